;; Table growth: table.grow past the embedder's element limit returns -1.
(module
  (table $t 1 funcref)
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "size") (result i32)
    (table.size $t)))
