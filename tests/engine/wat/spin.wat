;; Runaway guests: an endless loop (stopped by fuel or by the deadline), a counting loop whose
;; instruction count is known exactly (fuel accounting), and a plain function to prove that the
;; instance still works after a trap.
(module
  (global $g (mut i32) (i32.const 0))
  (func (export "spin")
    (loop $l (br $l)))
  ;; Each iteration runs the 8 instructions between `loop` and `br_if` inclusive.
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      local.get $i
      i32.const 1
      i32.add
      local.set $i
      local.get $i
      local.get $n
      i32.lt_u
      br_if $l)
    local.get $i)
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "bump") (result i32)
    global.get $g
    i32.const 1
    i32.add
    global.set $g
    global.get $g))
