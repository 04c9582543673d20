;; A module whose memory minimum (5 pages, 320 KiB) is above a small embedder limit.
(module
  (memory (export "memory") 5))
