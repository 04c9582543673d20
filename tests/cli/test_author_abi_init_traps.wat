;; A WAF whose exports conform but whose _initialize traps (test_author_abi.c).
(module
  (memory (export "memory") 1)
  (func (export "_initialize") unreachable)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "analyze_request") (param i32 i32) (result i32) i32.const 0))
