;; call_indirect through a table of 4 slots: [0] = $one (() -> i32), [1] = $inc (i32 -> i32),
;; [2] left null, [3] = $one.
(module
  (type $ret_i32 (func (result i32)))
  (type $i32_i32 (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $one $inc)
  (elem (i32.const 3) $one)
  (func $one (type $ret_i32) (i32.const 1))
  (func $inc (type $i32_i32) (i32.add (local.get 0) (i32.const 1)))
  ;; Calls slot $slot as () -> i32.
  (func (export "call") (param $slot i32) (result i32)
    (call_indirect (type $ret_i32) (local.get $slot))))
