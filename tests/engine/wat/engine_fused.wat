;; Code shapes that the engine's compiler turns into fused instructions (src/engine/ir.h):
;; f64 multiply-add, i32 operators combined with a constant rotate or shift, runs of copies,
;; loads whose address sum is kept in a local, and loop counters stepped and tested at once.
;; Used by tests/engine/test_engine_fused.c.
(module
  (memory 1)
  ;; a + x * y with the product and the sum rounded separately
  (func (export "muladd") (param f64 f64 f64) (result f64)
    (f64.add (local.get 0) (f64.mul (local.get 1) (local.get 2))))
  ;; the same with y coming straight from a load (the accumulator)
  (func (export "muladd_loaded") (param f64 f64 f64) (result f64)
    (f64.store (i32.const 8) (local.get 2))
    (f64.add (local.get 0) (f64.mul (local.get 1) (f64.load (i32.const 8)))))
  ;; f64.store of a + x * y (F64_MULADD_ST), y in the accumulator from a plain load (_Y), and
  ;; y loaded from a sum kept in a local or from x + k (F64_MULADD_ST_LXW, _LK); each returns
  ;; what it stored, read back
  (func (export "muladd_store") (param i32 f64 f64 f64) (result f64)
    (f64.store offset=8 (local.get 0) (f64.add (local.get 1) (f64.mul (local.get 2) (local.get 3))))
    (f64.load offset=8 (local.get 0)))
  (func (export "muladd_store_loaded") (param i32 f64 f64 i32) (result f64)
    (f64.store (local.get 0) (f64.add (local.get 1) (f64.mul (local.get 2) (f64.load (local.get 3)))))
    (f64.load (local.get 0)))
  (func (export "muladd_store_lxw") (param $p i32) (param $b i32) (param $i i32) (param $a f64) (param $x f64) (result i32)
    (local $q i32)
    (f64.store (local.get $p) (f64.add (local.get $a)
      (f64.mul (local.get $x) (f64.load offset=8 (local.tee $q (i32.add (local.get $b) (local.get $i)))))))
    (local.get $q))
  (func (export "muladd_store_lk") (param $p i32) (param $b i32) (param $a f64) (param $x f64)
    (f64.store offset=16 (local.get $p) (f64.add (local.get $a)
      (f64.mul (local.get $x) (f64.load offset=8 (i32.add (local.get $b) (i32.const 8)))))))
  ;; c[i] += x * b[i] over n bytes as clang emits it for matmul's inner loop (unrolled twice):
  ;; the address of c kept in a local and loaded from, b loaded from a sum kept in another local,
  ;; then the next element at constant offsets from both
  (func (export "axpy") (param $c i32) (param $b i32) (param $n i32) (param $x f64)
    (local $i i32) (local $p i32) (local $q i32)
    (loop $l
      (f64.store (local.tee $p (i32.add (local.get $c) (local.get $i)))
        (f64.add (f64.load (local.get $p))
                 (f64.mul (local.get $x) (f64.load (local.tee $q (i32.add (local.get $b) (local.get $i)))))))
      (f64.store (local.tee $p (i32.add (local.get $p) (i32.const 8)))
        (f64.add (f64.load (local.get $p))
                 (f64.mul (local.get $x) (f64.load (i32.add (local.get $q) (i32.const 8))))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $n)))))
  ;; the same step where c is loaded from elsewhere than the store's address: [p + 8] = [p] +
  ;; x * [q], and [p] = [r] + x * [q + 8] with r another local
  (func (export "update_shifted") (param $p i32) (param $b i32) (param $x f64)
    (local $q i32)
    (f64.store offset=8 (local.tee $p (i32.add (local.get $p) (i32.const 0)))
      (f64.add (f64.load (local.get $p))
               (f64.mul (local.get $x) (f64.load (local.tee $q (i32.add (local.get $b) (local.get $q))))))))
  (func (export "update_other") (param $p i32) (param $r i32) (param $b i32) (param $x f64)
    (f64.store (local.get $p)
      (f64.add (f64.load (local.tee $r (i32.add (local.get $r) (i32.const 0))))
               (f64.mul (local.get $x) (f64.load (i32.add (local.get $b) (i32.const 8)))))))
  ;; a = a + a * y: the result goes into a local that is also an input
  (func (export "muladd_into_input") (param f64 f64) (result f64)
    (local.set 0 (f64.add (local.get 0) (f64.mul (local.get 0) (local.get 1))))
    (local.get 0))
  ;; SHA-256's big sigma 0: rotates combined by xor
  (func (export "sigma0") (param i32) (result i32)
    (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 30)) (i32.rotl (local.get 0) (i32.const 19)))
             (i32.rotl (local.get 0) (i32.const 10))))
  ;; xors of two or three constant rotates or shifts of one value (I32_SIGMA): SHA-256's small
  ;; sigma 0 (rotates right and a shift), counts taken modulo 32, a left shift as the third term,
  ;; two terms only, and the value just loaded (in the accumulator)
  (func (export "small_sigma0") (param i32) (result i32)
    (i32.xor (i32.xor (i32.rotr (local.get 0) (i32.const 7)) (i32.rotr (local.get 0) (i32.const 18)))
             (i32.shr_u (local.get 0) (i32.const 3))))
  (func (export "sigma_mod") (param i32) (result i32)
    (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 33)) (i32.rotr (local.get 0) (i32.const 0)))
             (i32.shl (local.get 0) (i32.const 35))))
  (func (export "sigma_two") (param i32) (result i32)
    (i32.xor (i32.rotl (local.get 0) (i32.const 5)) (i32.rotr (local.get 0) (i32.const 64))))
  (func (export "sigma_loaded") (param i32) (result i32)
    (local i32)
    (i32.store (i32.const 16) (local.get 0))
    (local.set 1 (i32.load (i32.const 16)))
    (i32.xor (i32.xor (i32.rotl (local.get 1) (i32.const 25)) (i32.rotl (local.get 1) (i32.const 14)))
             (i32.shr_u (local.get 1) (i32.const 10))))
  ;; shapes that must not become one instruction, or not entirely: two inputs, the shift before
  ;; the rotates, a rotate kept in a local, a label between the rotates, the input changed
  (func (export "sigma_two_inputs") (param i32 i32) (result i32)
    (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 3)) (i32.rotl (local.get 1) (i32.const 5)))
             (i32.rotl (local.get 0) (i32.const 7))))
  (func (export "sigma_shift_first") (param i32) (result i32)
    (i32.xor (i32.shr_u (local.get 0) (i32.const 3))
             (i32.xor (i32.rotl (local.get 0) (i32.const 1)) (i32.rotl (local.get 0) (i32.const 2)))))
  (func (export "sigma_kept") (param i32) (result i32 i32)
    (local i32)
    (i32.xor (local.tee 1 (i32.rotl (local.get 0) (i32.const 3))) (i32.rotl (local.get 0) (i32.const 5)))
    (local.get 1))
  (func (export "sigma_across_label") (param i32) (result i32)
    (i32.xor (i32.rotl (local.get 0) (i32.const 3)) (loop (result i32) (i32.rotl (local.get 0) (i32.const 5)))))
  (func (export "sigma_input_changes") (param i32) (result i32)
    (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 3)) (i32.rotl (local.get 0) (i32.const 5)))
             (i32.rotl (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 7))))
  ;; i32.add of a word loaded from x + k (I32_ADD_LOAD_K): the other operand a local, or in the
  ;; accumulator (_A), or the loaded value first
  (func (export "add_loaded") (param i32 i32) (result i32)
    (i32.add (local.get 1) (i32.load offset=4 (i32.add (local.get 0) (i32.const 8)))))
  (func (export "add_loaded_acc") (param i32 i32) (result i32)
    (i32.add (i32.mul (local.get 1) (i32.const 3)) (i32.load (i32.add (local.get 0) (i32.const 8)))))
  (func (export "loaded_add") (param i32 i32) (result i32)
    (i32.add (i32.load (i32.add (local.get 0) (i32.const 8))) (local.get 1)))
  ;; sums of three values (I32_ADD3): from locals, with the first sum's operand in the
  ;; accumulator on either side, with the third operand in the accumulator; the first sum kept
  ;; in a local does not fuse
  (func (export "add3") (param i32 i32 i32) (result i32)
    (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "add3_a") (param i32 i32 i32) (result i32)
    (i32.add (i32.add (i32.mul (local.get 0) (i32.const 3)) (local.get 1)) (local.get 2)))
  (func (export "add3_b") (param i32 i32 i32) (result i32)
    (i32.add (i32.add (local.get 1) (i32.mul (local.get 0) (i32.const 5))) (local.get 2)))
  (func (export "add3_other_acc") (param i32 i32 i32) (result i32)
    (i32.add (i32.mul (local.get 2) (i32.const 7)) (i32.add (local.get 0) (local.get 1))))
  (func (export "add3_kept") (param i32 i32 i32) (result i32 i32)
    (local i32)
    (i32.add (local.tee 3 (i32.add (local.get 0) (local.get 1))) (local.get 2))
    (local.get 3))
  ;; the shifted value as the first operand of the combining operator
  (func (export "rotr_then_add") (param i32 i32) (result i32)
    (i32.add (i32.rotr (local.get 0) (i32.const 7)) (local.get 1)))
  ;; both operands shifted: the second shift fuses, the first stays a temporary
  (func (export "bytes_or") (param i32 i32) (result i32)
    (i32.or (i32.shl (local.get 0) (i32.const 8)) (i32.shr_u (local.get 1) (i32.const 24))))
  (func (export "and_shr") (param i32 i32) (result i32)
    (i32.and (local.get 1) (i32.shr_u (local.get 0) (i32.const 3))))
  ;; shift counts are taken modulo 32
  (func (export "xor_shl_33") (param i32 i32) (result i32)
    (i32.xor (local.get 1) (i32.shl (local.get 0) (i32.const 33))))
  (func (export "add_rotl_0") (param i32 i32) (result i32)
    (i32.add (local.get 1) (i32.rotl (local.get 0) (i32.const 0))))
  ;; the shifted value is also kept in a local: the shift must still be computed into it
  (func (export "shr_kept") (param i32 i32) (result i32 i32)
    (local i32)
    (i32.xor (local.get 1) (local.tee 2 (i32.shr_u (local.get 0) (i32.const 4))))
    (local.get 2))
  ;; five copies in a row run in order: the last one reads what the first one wrote
  (func (export "shift_left") (param i32 i32 i32 i32 i32) (result i32 i32 i32 i32 i32)
    (local.set 0 (local.get 1))
    (local.set 1 (local.get 2))
    (local.set 2 (local.get 3))
    (local.set 3 (local.get 4))
    (local.set 4 (local.get 0))
    (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4))
  ;; p = base + i (kept in a local) then a load from p; returns the loaded word plus p, so that
  ;; both the load and the kept sum are checked; the _KW form with a constant step
  (func (export "load_via_tee") (param i32 i32) (result i32)
    (local i32)
    (i32.store (i32.const 40) (i32.const 0x11223344))
    (i32.store (i32.const 44) (i32.const 0x55667788))
    (i32.add (i32.load (local.tee 2 (i32.add (local.get 0) (local.get 1)))) (local.get 2)))
  (func (export "load_via_set") (param i32) (result i32)
    (local i32)
    (i64.store (i32.const 48) (i64.const 0x0102030405060708))
    (local.set 1 (i32.add (local.get 0) (i32.const 4)))
    (i32.add (i32.load8_u offset=2 (local.get 1)) (i32.mul (local.get 1) (i32.const 1000))))
  ;; the address wraps around 2^32 before the offset is added, as in Wasm
  (func (export "load_via_tee_wrap") (param i32) (result i32)
    (local i32)
    (i32.load8_u offset=1 (local.tee 1 (i32.add (local.get 0) (i32.const -16)))))
  ;; counting loops whose step and test fuse: i += k; br_if (i <cmp> n); returns iterations * 1000
  ;; plus the final i
  (func (export "count_lt_u") (param i32 i32 i32) (result i32)
    (local i32)
    (loop $l
      (local.set 3 (i32.add (local.get 3) (i32.const 1)))
      (br_if $l (i32.lt_u (local.tee 0 (i32.add (local.get 0) (local.get 2))) (local.get 1))))
    (i32.add (i32.mul (local.get 3) (i32.const 1000)) (local.get 0)))
  (func (export "count_down_ne_k") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const -3))) (i32.const 0))))
    (i32.add (i32.mul (local.get 1) (i32.const 1000)) (local.get 0)))
  (func (export "count_gt_s_k") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.gt_s (local.tee 0 (i32.add (local.get 0) (i32.const -1))) (i32.const -5))))
    (i32.add (i32.mul (local.get 1) (i32.const 1000)) (local.get 0)))
  (func (export "count_br_if") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))
    (local.get 1))
  ;; the same step as the condition of an if (the branch is taken when the test fails)
  (func (export "if_step_ge_u") (param i32) (result i32)
    (if (result i32) (i32.ge_u (local.tee 0 (i32.add (local.get 0) (i32.const 7))) (i32.const 100))
      (then (i32.add (local.get 0) (i32.const 1000)))
      (else (local.get 0))))
  ;; local.set of a constant that the compiler drops: a local's first value written by the frame
  ;; setup, or a value the local already holds on every path before the first loop
  (func (export "entry_values") (param i32) (result i64)
    (local i32 i64 f64 i32)
    (local.set 1 (i32.const 7))
    (local.set 2 (i64.const -5))
    (local.set 3 (f64.const -0))
    (local.set 4 (i32.const 0))
    (i64.xor
      (i64.xor (i64.extend_i32_u (i32.add (local.get 1) (local.get 0))) (local.get 2))
      (i64.add (i64.reinterpret_f64 (local.get 3)) (i64.extend_i32_u (local.get 4)))))
  ;; the old value is read before the set: the set must not move to the frame setup
  (func (export "entry_set_after_read") (result i32)
    (local i32)
    (local.get 0)
    (local.set 0 (i32.const 5))
    (i32.add (local.get 0)))
  (func (export "entry_tee") (result i32)
    (local i32)
    (i32.add (local.tee 0 (i32.const 4)) (local.get 0)))
  ;; a write on one path (the if) is not a known value after the join
  (func (export "zero_after_if_write") (param i32) (result i32)
    (local i32)
    (if (local.get 0) (then (local.set 1 (i32.const 9))))
    (local.set 1 (i32.const 0))
    (local.get 1))
  ;; after a branch, a set is no longer the frame's first write
  (func (export "set_after_branch") (param i32) (result i32)
    (local i32 i32)
    (block (br_if 0 (local.get 0)) (local.set 1 (i32.const 6)) (local.set 2 (i32.const 0)))
    (i32.add (local.get 1) (local.get 2)))
  ;; inside a loop the local changes between iterations: every set runs
  (func (export "zero_in_loop") (param i32) (result i32)
    (local i32 i32)
    (loop $l
      (local.set 2 (i32.const 0))
      (local.set 1 (i32.add (local.get 1) (local.get 2)))
      (local.set 2 (i32.const 3))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))
    (i32.add (local.get 1) (i32.mul (local.get 2) (i32.const 1000))))
  ;; a byte loaded from p + 16 + 1 and compared with a constant by the branch that follows
  ;; (LD8K_BR_*, a lexer's character test): the byte, kept in a local, is read on both paths;
  ;; taken: byte + 2000, not taken: byte + 1000
  (func (export "byte_eq") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.eq (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 34)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_ne") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.ne (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 34)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_lt_s") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.lt_s (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const -1)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_lt_u") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.lt_u (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 48)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_gt_s") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.gt_s (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 100)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_gt_u") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.gt_u (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 200)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_le_s") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.le_s (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 0)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_le_u") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.le_u (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 57)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_ge_s") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.ge_s (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const -5)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  (func (export "byte_ge_u") (param i32) (result i32) (local i32)
    (block $t
      (br_if $t (i32.ge_u (local.tee 1 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 16))))
                        (i32.const 128)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
;; the same test in an if (the branch skips the then arm: the negated compare), and a byte
  ;; that is only tested (a stack temporary)
  (func (export "byte_if_lt_u") (param i32) (result i32)
    (if (result i32) (i32.lt_u (i32.load8_u (i32.add (local.get 0) (i32.const 16))) (i32.const 10))
      (then (i32.const 1)) (else (i32.const 2))))
  ;; br_table on a loaded byte (BR_TABLE_LOAD8_U_K, an opcode fetch) and on x + k
  ;; (BR_TABLE_ADD_K): case i returns 10 + i, the default 99; a value stays below the index
  (func (export "switch_byte") (param i32) (result i32)
    (i32.add (i32.const 5000)
      (block $d (result i32)
        (block $c2 (result i32)
          (block $c1 (result i32)
            (block $c0 (result i32)
              (i32.const 7000)
              (br_table $c0 $c1 $c2 $d
                (i32.load8_u offset=2 (i32.add (local.get 0) (i32.const 16)))))
            (return (i32.add (i32.const 10))))
          (return (i32.add (i32.const 11))))
        (return (i32.add (i32.const 12))))
      (drop) (i32.const 99)))
  (func (export "switch_add") (param i32) (result i32)
    (block $d
      (block $c2
        (block $c1
          (block $c0
            (br_table $c0 $c1 $c2 $d (i32.add (local.get 0) (i32.const -9))))
          (return (i32.const 10)))
        (return (i32.const 11)))
      (return (i32.const 12)))
    (i32.const 99))
  ;; a byte or word at (x << s) + k (I32_LOAD8_U_SK, I32_LOAD_SK), the shifted value kept in a
  ;; local (returned in the high half) or a stack temporary, the shift in the accumulator or not
  (func (export "load8_shifted_kept") (param i32) (result i64)
    (local i32 i32)
    (local.set 2 (i32.load8_u offset=1 (i32.add (local.tee 1 (i32.shl (local.get 0) (i32.const 3)))
                                                (i32.const 16))))
    (i64.or (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32))
            (i64.extend_i32_u (local.get 2))))
  (func (export "load_shifted") (param i32) (result i32)
    (i32.load offset=4 (i32.add (i32.shl (local.get 0) (i32.const 2)) (i32.const 8))))
  (func (export "load_shifted_acc") (param i32) (result i32)
    (i32.load (i32.add (i32.shl (i32.add (local.get 0) (i32.const 1)) (i32.const 34))
                       (i32.const 8))))
  ;; an element at a + (x << s) (I32_LOAD_AS, I64_LOAD_AS)
  (func (export "load_elem32") (param i32 i32) (result i32)
    (i32.load offset=4 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))))
  (func (export "load_elem64") (param i32 i32) (result i64)
    (i64.load (i32.add (i32.shl (local.get 1) (i32.const 3)) (local.get 0))))
  ;; (h ^ v) * p (I64_XOR_MUL), with the xor's operands in either order and from the accumulator
  (func (export "xor_mul") (param i64 i64 i64) (result i64)
    (i64.mul (i64.xor (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "xor_mul_acc") (param i64 i64 i64) (result i64)
    (i64.mul (local.get 2) (i64.xor (local.get 0) (i64.and (local.get 1) (i64.const 255)))))
  (func (export "xor_mul_b") (param i64 i64 i64) (result i64)
    (i64.mul (i64.xor (i64.add (local.get 0) (i64.const 1)) (local.get 1)) (i64.const 1099511628211)))
  ;; i32.add of a constant, then a branch on another local (ADDK_THEN_BR_*): d = x + 7 in place,
  ;; the compare on the second parameter against k2
  (func (export "step_then_eq") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.eq (local.get 1) (i32.const 34)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_ne") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.ne (local.get 1) (i32.const 34)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_lt_s") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.lt_s (local.get 1) (i32.const -5)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_lt_u") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.lt_u (local.get 1) (i32.const 100)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_gt_s") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.gt_s (local.get 1) (i32.const -5)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_gt_u") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.gt_u (local.get 1) (i32.const 100)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_le_s") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.le_s (local.get 1) (i32.const 0)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_le_u") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.le_u (local.get 1) (i32.const 100)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_ge_s") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.ge_s (local.get 1) (i32.const -5)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "step_then_ge_u") (param i32 i32) (result i32)
    (block $t
      (local.set 0 (i32.add (local.get 0) (i32.const 7)))
      (br_if $t (i32.ge_u (local.get 1) (i32.const 0x80000000)))
      (return (i32.add (local.get 0) (i32.const 1000))))
    (i32.add (local.get 0) (i32.const 2000)))
  ;; the compare reads the add's source, which the add does not write: the old value
  (func (export "step_then_lt_u_src") (param i32) (result i32) (local i32)
    (block $t
      (local.set 1 (i32.add (local.get 0) (i32.const -7)))
      (br_if $t (i32.lt_u (local.get 0) (i32.const 7)))
      (return (i32.add (local.get 1) (i32.const 1000))))
    (i32.add (local.get 1) (i32.const 2000)))
  ;; an interpreter's loop tail: steps += 1, then loop while pc < n (pc set by the body)
  (func (export "step_loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 3)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 100))))
    (i32.add (i32.mul (local.get 1) (i32.const 1000)) (local.get 0)))
  ;; i64.and of an i64.extend_i32_u and a constant (run as I32_AND_K): the constant on either
  ;; side, with high bits that the extension clears, the i32 from the accumulator, and a slot
  ;; operand (not fused)
  (func (export "ext_and") (param i32) (result i64)
    (i64.and (i64.extend_i32_u (local.get 0)) (i64.const 255)))
  (func (export "ext_and_first") (param i32) (result i64)
    (i64.and (i64.const 0xffffffff80000fff) (i64.extend_i32_u (local.get 0))))
  (func (export "ext_and_high") (param i32) (result i64)
    (i64.and (i64.extend_i32_u (local.get 0)) (i64.const 0xffffffff00000000)))
  (func (export "ext_and_acc") (param i32 i64) (result i64)
    (i64.add (local.get 1)
             (i64.and (i64.extend_i32_u (i32.add (local.get 0) (i32.const 1))) (i64.const -1))))
  (func (export "ext_and_slot") (param i32 i64) (result i64)
    (i64.and (i64.extend_i32_u (local.get 0)) (local.get 1))))
