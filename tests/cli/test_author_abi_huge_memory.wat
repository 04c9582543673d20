;; A WAF that asks for 1000 pages (65.5 MB) of memory, more than a node gives a WAF (10 MB).
(module
  (memory (export "memory") 1000)
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "analyze_request") (param i32 i32) (result i32) i32.const 0))
