;; An edge function that logs a line and then traps (test_author_test.c: exit status 4, kind).
(module
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1 4)
  (data (i32.const 16) "about to trap")
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "handle_request") (param i32 i32) (result i32)
    (call $log (i32.const 16) (i32.const 13))
    unreachable))
