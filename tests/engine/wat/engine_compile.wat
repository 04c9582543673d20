;; Code shapes that exercise the compiler's operand placement: values read straight from locals
;; and constants, results computed straight into locals, fused compare-and-branch in both
;; polarities, multi-value results returned in swapped order, br_table carrying values, and
;; recursion (each call's constants live in its own frame).
(module
  (func $fib (export "fib") (param i64) (result i64)
    (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 2)))
                     (call $fib (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "swap") (param i32 i32) (result i32 i32)
    (return (local.get 1) (local.get 0)))
  (func (export "rotate3") (param i32 i32 i32) (result i32 i32 i32)
    (local.get 1) (local.get 2) (local.get 0))
  ;; a local read on the stack, then overwritten: the earlier read must keep the old value
  (func (export "stale_read") (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.const 100))
    (local.get 0)
    (i32.sub))
  ;; tee into the local that is also an operand
  (func (export "tee_self") (param i32) (result i32)
    (i32.add (local.tee 0 (i32.mul (local.get 0) (i32.const 3))) (local.get 0)))
  ;; sum of 0..n-1 with a fused i32.lt_s back-edge
  (func (export "sum_below") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (block $done
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (loop $l
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_s (local.get $i) (local.get $n)))))
    (local.get $s))
  ;; if on a fused compare of i64 values, and on i32.eqz
  (func (export "max_s64") (param i64 i64) (result i64)
    (if (result i64) (i64.gt_s (local.get 0) (local.get 1))
      (then (local.get 0)) (else (local.get 1))))
  (func (export "is_zero") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 11)) (else (i32.const 22))))
  ;; br_table with a value: index 0 -> 10+x, 1 -> 20+x, anything else -> 30+x
  (func (export "classify") (param i32 i32) (result i32)
    (block $c (result i32)
      (block $b (result i32)
        (block $a (result i32)
          (br_table $a $b $c (local.get 1) (local.get 0)))
        (return (i32.add (i32.const 10))))
      (return (i32.add (i32.const 20))))
    (i32.add (i32.const 30)))
  ;; br_if carrying a value out of a block, taken or not
  (func (export "br_if_value") (param i32) (result i32)
    (block $b (result i32)
      (drop (br_if $b (i32.const 7) (local.get 0)))
      (i32.const 9)))
  ;; a block with params (multi-value block type)
  (func (export "block_params") (param i32 i32) (result i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32) (i32.sub)))
  (func (export "select_i64") (param i64 i64 i32) (result i64)
    (select (local.get 0) (local.get 1) (local.get 2)))
  ;; address arithmetic fused into loads: i32.add wraps at 32 bits, the offset does not
  (memory 1)
  (data (i32.const 0) "\2a\00\00\00\07\00\00\00")
  (func (export "load_add_k") (param i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.const 4))))
  (func (export "load_add_x") (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (local.get 1))))
  (func (export "load_offset") (param i32) (result i32)
    (i32.load offset=4 (local.get 0)))
)
