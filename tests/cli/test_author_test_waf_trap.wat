;; A WAF that traps: its request follows on_error (test_author_test.c).
(module
  (memory (export "memory") 1 4)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "analyze_request") (param i32 i32) (result i32) unreachable))
