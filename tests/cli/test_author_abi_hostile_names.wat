;; Import and export names carrying terminal escapes, which inspect must not print raw
;; (test_author_abi.c).
(module
  (import "env" "\1b[2Jwipe" (func))
  (memory (export "memory") 1)
  (func (export "\1b]0;title\07") (param i32 i32) (result i32) i32.const 0))
