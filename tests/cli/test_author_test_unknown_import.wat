;; An edge function importing a host function the node does not have (test_author_test.c).
(module
  (import "env" "get_secret" (func $secret (param i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "handle_request") (param i32 i32) (result i32)
    (call $secret (local.get 0) (local.get 1))))
