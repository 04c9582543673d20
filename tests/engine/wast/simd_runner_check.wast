;; A SIMD-file script for testing aegis-spectest (its name starts with simd_): the SIMD module and
;; the invalid SIMD module must count as passed when rejected, the v128 command is skipped, and the
;; scalar module and its scalar command run normally.
(module (func (export "splat") (param i32) (result v128) (i32x4.splat (local.get 0))))
(assert_return (invoke "splat" (i32.const 1)) (v128.const i32x4 1 1 1 1))
(assert_invalid (module (func (result v128) (i32.const 0))) "type mismatch")
(module (func (export "one") (result f64) (f64.const 1)))
(assert_return (invoke "one") (f64.const 1))
(assert_malformed (module quote "(v128.const)") "unexpected token")
