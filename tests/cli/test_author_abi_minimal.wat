;; The smallest edge function that conforms to guest ABI v1 (test_author_abi.c).
(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "handle_request") (param i32 i32) (result i32) i32.const 0))
