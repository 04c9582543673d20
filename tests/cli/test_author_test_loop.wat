;; An edge function that never returns: stopped by fuel or by the deadline (test_author_test.c).
(module
  (memory (export "memory") 1 4)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "handle_request") (param i32 i32) (result i32)
    (loop $forever (br $forever))
    i32.const 0))
