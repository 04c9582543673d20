;; Linking across instances: an exporter with memory, a mutable global, a table and a function,
;; and an importer that uses them all. Built from one file as two modules is not possible in the
;; text format, so the exporter is this file and the importer is engine_link_user.wat.
(module
  (memory (export "mem") 1 4)
  (global (export "counter") (mut i32) (i32.const 5))
  (table (export "tab") 4 funcref)
  (func $store (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $seven (result i32) (i32.const 7))
  (elem (i32.const 0) $seven)
  (func (export "bump") (result i32)
    (global.set 0 (i32.add (global.get 0) (i32.const 1)))
    (global.get 0))
)
