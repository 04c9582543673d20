;; A module with the allocator but no entry point (test_author_test.c).
(module
  (memory (export "memory") 1 4)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32)))
