;; Code shapes that the engine's compiler turns into fused instructions (src/engine/ir.h):
;; f64 multiply-add, i32 operators combined with a constant rotate or shift, and runs of copies.
;; Used by tests/engine/test_engine_fused.c.
(module
  (memory 1)
  ;; a + x * y with the product and the sum rounded separately
  (func (export "muladd") (param f64 f64 f64) (result f64)
    (f64.add (local.get 0) (f64.mul (local.get 1) (local.get 2))))
  ;; the same with y coming straight from a load (the accumulator)
  (func (export "muladd_loaded") (param f64 f64 f64) (result f64)
    (f64.store (i32.const 8) (local.get 2))
    (f64.add (local.get 0) (f64.mul (local.get 1) (f64.load (i32.const 8)))))
  ;; a = a + a * y: the result goes into a local that is also an input
  (func (export "muladd_into_input") (param f64 f64) (result f64)
    (local.set 0 (f64.add (local.get 0) (f64.mul (local.get 0) (local.get 1))))
    (local.get 0))
  ;; SHA-256's big sigma 0: rotates combined by xor
  (func (export "sigma0") (param i32) (result i32)
    (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 30)) (i32.rotl (local.get 0) (i32.const 19)))
             (i32.rotl (local.get 0) (i32.const 10))))
  ;; the shifted value as the first operand of the combining operator
  (func (export "rotr_then_add") (param i32 i32) (result i32)
    (i32.add (i32.rotr (local.get 0) (i32.const 7)) (local.get 1)))
  ;; both operands shifted: the second shift fuses, the first stays a temporary
  (func (export "bytes_or") (param i32 i32) (result i32)
    (i32.or (i32.shl (local.get 0) (i32.const 8)) (i32.shr_u (local.get 1) (i32.const 24))))
  (func (export "and_shr") (param i32 i32) (result i32)
    (i32.and (local.get 1) (i32.shr_u (local.get 0) (i32.const 3))))
  ;; shift counts are taken modulo 32
  (func (export "xor_shl_33") (param i32 i32) (result i32)
    (i32.xor (local.get 1) (i32.shl (local.get 0) (i32.const 33))))
  (func (export "add_rotl_0") (param i32 i32) (result i32)
    (i32.add (local.get 1) (i32.rotl (local.get 0) (i32.const 0))))
  ;; the shifted value is also kept in a local: the shift must still be computed into it
  (func (export "shr_kept") (param i32 i32) (result i32 i32)
    (local i32)
    (i32.xor (local.get 1) (local.tee 2 (i32.shr_u (local.get 0) (i32.const 4))))
    (local.get 2))
  ;; five copies in a row run in order: the last one reads what the first one wrote
  (func (export "shift_left") (param i32 i32 i32 i32 i32) (result i32 i32 i32 i32 i32)
    (local.set 0 (local.get 1))
    (local.set 1 (local.get 2))
    (local.set 2 (local.get 3))
    (local.set 3 (local.get 4))
    (local.set 4 (local.get 0))
    (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
