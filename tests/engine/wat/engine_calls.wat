;; Shapes of the call path that the engine's compiler treats specially (src/engine/compile.c,
;; exec.c): constants that end up as immediates and are left out of the frame, constants that a
;; slot still reads, results returned straight from locals at a function's end, calls to a
;; function of the module (CALL, which carries the callee's body) and to an import (CALL_IMPORT).
;; Used by tests/engine/test_engine_calls.c.
(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  ;; every constant is an immediate (_K operators, a fused compare and branch): none is copied
  ;; into the frame, as in the naive Fibonacci of bench/engine
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  ;; constants read through slots (the first operand of a subtraction, i64 and f64 operators,
  ;; select) next to immediates and to a local whose first value the frame setup writes; the
  ;; constant 5 appears both as an immediate and as a slot
  (func $mixed (export "mixed") (param i32) (result i64)
    (local i32 i64)
    (local.set 1 (i32.const 7))
    (local.set 2 (i64.const 0x123456789))
    (i64.add
      (i64.extend_i32_u
        (i32.add (i32.sub (i32.const 1000) (local.get 0))
                 (i32.add (local.get 1) (i32.const 5))))
      (i64.add
        (i64.mul (local.get 2) (i64.const -3))
        (i64.add
          (i64.trunc_f64_s (f64.mul (f64.convert_i32_s (local.get 0)) (f64.const 2.5)))
          (i64.extend_i32_u (select (i32.const 5) (i32.const 11) (local.get 0)))))))
  ;; leaves other values in the stack slots that the next frame will reuse
  (func $scribble (export "scribble") (param i32) (result i64)
    (i64.add (i64.add (i64.const -1) (i64.const -2))
             (i64.extend_i32_u (call $fib (local.get 0)))))
  ;; mixed called by a function of the module, in a frame above the caller's operands
  (func (export "mixed_nested") (param i32) (result i64)
    (i64.add (call $scribble (i32.const 3)) (call $mixed (local.get 0))))
  ;; results returned from where they are at the function's end: a declared local, params in
  ;; swapped order, a param that is also the result slot, a value also returned by br 0
  (func (export "ret_local") (param i32) (result i32)
    (local i32)
    (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
    (local.get 1))
  (func (export "ret_swapped") (param i32 i32) (result i32 i32)
    (local.get 1) (local.get 0))
  (func (export "ret_three") (param i32 i32) (result i32 i64 i32)
    (local.get 1) (i64.const 9) (local.get 1))
  (func (export "ret_param") (param i32 i32) (result i32)
    (local.set 0 (i32.add (local.get 0) (local.get 1)))
    (local.get 0))
  (func (export "ret_br") (param i32) (result i32)
    (local i32)
    (local.set 1 (i32.const 40))
    (drop (br_if 0 (local.get 1) (local.get 0)))
    (local.get 1)
    (i32.const 2)
    (i32.add))
  (func $swap (param i32 i32) (result i32 i32)
    (local.get 1) (local.get 0))
  ;; a multi-value callee's results land in the caller's slots
  (func (export "call_swap") (param i32 i32) (result i32)
    (call $swap (local.get 0) (local.get 1))
    (i32.sub))
  ;; an import and functions of the module called from the same function
  (func (export "import_and_local") (param i32) (result i32)
    (i32.add (call $twice (call $fib (local.get 0)))
             (call $twice (local.get 0))))
  ;; depth(n) makes n nested calls
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $depth (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  ;; the same through a table: a function of this instance reached by call_indirect
  (table 1 funcref)
  (elem (i32.const 0) $depth_indirect)
  (func $depth_indirect (export "depth_indirect") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call_indirect (param i32) (result i32)
                       (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))
                     (i32.const 1)))))
)
