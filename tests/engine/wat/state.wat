;; Mutable state for snapshot/restore: linear memory (initialised to "init" at 100), a mutable
;; global starting at 5, and a funcref table whose slot 0 starts out null.
(module
  (memory (export "memory") 1 4)
  (global $g (export "g") (mut i32) (i32.const 5))
  (global $h (export "h") (mut i64) (i64.const -1))
  (table $t 2 funcref)
  (data (i32.const 100) "init")
  (func $seven (result i32) (i32.const 7))
  (elem $e func $seven)
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "set_g") (param i32) (global.set $g (local.get 0)))
  (func (export "set_h") (param i64) (global.set $h (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "fill_slot") (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1)))
  (func (export "slot_is_null") (result i32) (ref.is_null (table.get $t (i32.const 0)))))
