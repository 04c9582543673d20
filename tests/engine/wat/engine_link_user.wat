;; The importer of engine_link.wat.
(module
  (import "lib" "mem" (memory 1))
  (import "lib" "counter" (global $c (mut i32)))
  (import "lib" "tab" (table 4 funcref))
  (import "lib" "store" (func $store (param i32 i32)))
  (import "lib" "load" (func $load (param i32) (result i32)))
  (func $eight (result i32) (i32.const 8))
  (elem (i32.const 1) $eight)
  ;; writes through the exporter's function, reads through our own access to the shared memory
  (func (export "roundtrip") (param i32 i32) (result i32)
    (call $store (local.get 0) (local.get 1))
    (i32.load (local.get 0)))
  (func (export "read_counter") (result i32) (global.get $c))
  (func (export "set_counter") (param i32) (global.set $c (local.get 0)))
  (func (export "call_slot") (param i32) (result i32)
    (call_indirect (result i32) (local.get 0)))
)
