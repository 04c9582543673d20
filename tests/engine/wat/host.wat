;; A guest that calls host functions: "env.add" (i32, i32) -> i32, "env.fail" () -> () which
;; traps, and "env.sum" (ptr, len) -> i32 which reads the guest's memory through the checked
;; gateway. Bytes 1, 2, 3, 4 sit at offset 16.
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "fail" (func $fail))
  (import "env" "sum" (func $sum (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\01\02\03\04")
  (func (export "call_add") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  ;; Returns 1 only if the host did not stop it.
  (func (export "call_fail") (result i32)
    (call $fail)
    (i32.const 1))
  (func (export "call_sum") (param i32 i32) (result i32)
    (call $sum (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))
