;; A memory bomb: grows memory one page at a time until memory.grow refuses (-1) and reports how
;; many pages it reached; the limit must stop it, not the host's allocator.
(module
  (memory (export "memory") 1)
  (func (export "grow_until_refused") (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $l)))
    memory.size)
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "size") (result i32)
    memory.size)
  ;; Touches the last byte of the current memory: proves grown pages are really usable.
  (func (export "touch_last") (result i32)
    (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 7))
    (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))))
