;; Exports of several signatures for the aegis-wasm command-line tests.
(module
  (memory (export "memory") 1)
  (func (export "echo") (param i64 f32 f64) (result i64 f32 f64)
    (local.get 0) (local.get 1) (local.get 2))
  (func (export "neg") (param i32) (result i32)
    (i32.sub (i32.const 0) (local.get 0)))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "spin") (loop $l (br $l))))
