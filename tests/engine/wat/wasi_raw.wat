;; Calls WASI functions with raw, partly hostile pointers: every pointer a guest passes must be
;; checked by the host, and a bad one answers ERRNO_FAULT (21) without writing anything.
;; Memory layout: "hi\n" at 0; iovec {0, 3} at 16; iovec {65535, 2} (crosses the end) at 24;
;; iovec {0xfffffff0, 16} (far outside) at 32.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hi\n")
  (data (i32.const 16) "\00\00\00\00\03\00\00\00")
  (data (i32.const 24) "\ff\ff\00\00\02\00\00\00")
  (data (i32.const 32) "\f0\ff\ff\ff\10\00\00\00")
  (func (export "write") (param i32 i32 i32 i32) (result i32)
    (call $fd_write (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "random") (param i32 i32) (result i32)
    (call $random_get (local.get 0) (local.get 1)))
  (func (export "clock") (param i32 i32) (result i32)
    (call $clock_time_get (local.get 0) (i64.const 1) (local.get 1)))
  (func (export "args_sizes") (param i32 i32) (result i32)
    (call $args_sizes_get (local.get 0) (local.get 1)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "exit") (param i32) (call $proc_exit (local.get 0))))
