;; State that snapshots must capture and restore: memory contents and size, a mutable global, a
;; table slot, and a passive data segment that data.drop removes.
(module
  ;; calls back into the host, which tries to re-enter
  (import "env" "reenter" (func $reenter))
  (memory (export "memory") 1 8)
  (global $g (mut i32) (i32.const 1))
  (table 2 funcref)
  (func $f (result i32) (i32.const 42))
  (elem $e func $f)
  (data $d "hello")
  (func (export "dirty") (result i32)
    (i32.store (i32.const 16) (i32.const 0xdeadbeef))
    (global.set $g (i32.const 99))
    (table.init 0 $e (i32.const 1) (i32.const 0) (i32.const 1))
    (data.drop $d)
    (memory.grow (i32.const 2)))
  (func (export "word") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "global") (result i32) (global.get $g))
  (func (export "slot_is_null") (result i32) (ref.is_null (table.get 0 (i32.const 1))))
  (func (export "pages") (result i32) (memory.size))
  ;; copies the passive segment to address 100 (traps once it was dropped)
  (func (export "init") (memory.init $d (i32.const 100) (i32.const 0) (i32.const 5)))
  ;; a call that runs until stopped, for interrupts
  (func (export "forever") (loop $l (br $l)))
  (func (export "call_host") (call $reenter))
)
