;; An edge function whose result frame holds "nope", which is not the ABI's JSON
;; (test_author_test.c: kind "bad result").
(module
  (memory (export "memory") 1 4)
  (data (i32.const 64) "\04\00\00\00nope")
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "handle_request") (param i32 i32) (result i32) i32.const 64))
