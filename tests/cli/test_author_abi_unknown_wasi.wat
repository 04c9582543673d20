;; An edge function importing a WASI name that preview1 does not have (test_author_abi.c).
(module
  (import "wasi_snapshot_preview1" "sock_teleport" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "handle_request") (param i32 i32) (result i32) i32.const 0))
