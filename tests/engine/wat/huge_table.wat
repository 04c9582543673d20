;; A table far above any sensible limit (50 million entries).
(module
  (table 50000000 funcref))
