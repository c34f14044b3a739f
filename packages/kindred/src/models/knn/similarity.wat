;; The kNN similarity matrix of Surprise's `similarities.pyx` (cosine, msd, pearson, pearson_baseline) over co-rated
;; pairs: the same sparse kernel and the same float64 operations, in the same order, as the JS `similarityRowRange`
;; (similarity.ts), so every cell is bit-identical to it; run on several threads by similarity-parallel.ts.
;;
;; Source of the bytes in similarity-wasm.ts; regenerate with `node packages/kindred/scripts/build-wasm.mjs`.
;;
;; The memory is imported so that worker threads can share one (similarity-parallel.ts flips the import to `shared`).
;; A `*_rows` call computes rows [start, end) and writes only their upper part out[a·n + b], b > a (contiguous); a
;; `mirror` call then fills rows [start, end) below the diagonal from the upper triangle, tile by tile, and sets the
;; diagonal to 1. Calls of one pass write disjoint cells, so threads run them side by side without locks. (The JS
;; kernel writes (b, a) as it goes: one cache miss per cell once n rows no longer fit in cache.)
;;
;; Memory layout (byte offsets chosen by the caller, 16-byte aligned):
;;   out          n × n f64, row-major
;;   xp, xi, xv   CSR of the compared side (x): indptr (n + 1) i32, indices i32, values f64
;;   yp, yi, yv   its transpose (y rows, x indices ascending within a row): indptr i32, indices i32, values f64
;;   scratch      per thread n accumulators of `stride` bytes (msd 16, products 32, pearson 48), zero between rows;
;;                the thread index is set once per instance with `set_thread`
;; Accumulators are interleaved per partner b (one cache line instead of one per statistic); the pair count f is
;; kept as f64 (exact for any count).
(module
  (import "env" "memory" (memory 1 65536))
  (global $thread (mut i32) (i32.const 0))

  ;; Which thread this instance runs on (selects its scratch).
  (func (export "set_thread") (param $t i32)
    (global.set $thread (local.get $t)))

  ;; First position in indices[lo, hi) (i32 array at byte address $idx) whose value is ≥ target.
  (func $lower_bound (param $idx i32) (param $lo i32) (param $hi i32) (param $target i32) (result i32)
    (local $mid i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $lo) (local.get $hi)))
        (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
        (if (i32.lt_s (i32.load (i32.add (local.get $idx) (i32.shl (local.get $mid) (i32.const 2)))) (local.get $target))
          (then (local.set $lo (i32.add (local.get $mid) (i32.const 1))))
          (else (local.set $hi (local.get $mid))))
        (br $l)))
    (local.get $lo))

  ;; This thread's accumulators.
  (func $acc_base (param $scratch i32) (param $n i32) (param $stride i32) (result i32)
    (i32.add (local.get $scratch) (i32.mul (global.get $thread) (i32.mul (local.get $n) (local.get $stride)))))

  ;; MSD: acc[b] = (f, Σ (r_a − r_b)²); sim = 1 / (Σ/f + 1) when f ≥ minSupport, else 0.
  (func (export "msd_rows")
    (param $start i32) (param $end i32) (param $n i32) (param $out i32)
    (param $xp i32) (param $xi i32) (param $xv i32) (param $yp i32) (param $yi i32) (param $yv i32)
    (param $scratch i32) (param $minSupport f64)
    (local $acc i32) (local $a i32) (local $p i32) (local $pend i32) (local $col i32) (local $q i32)
    (local $qend i32) (local $ra f64) (local $d f64) (local $s i32) (local $b i32) (local $f f64) (local $row i32)
    (local.set $acc (call $acc_base (local.get $scratch) (local.get $n) (i32.const 16)))
    (local.set $a (local.get $start))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $a) (local.get $end)))
        (local.set $p (i32.load (i32.add (local.get $xp) (i32.shl (local.get $a) (i32.const 2)))))
        (local.set $pend (i32.load offset=4 (i32.add (local.get $xp) (i32.shl (local.get $a) (i32.const 2)))))
        (block $ps_done
          (loop $ps
            (br_if $ps_done (i32.ge_s (local.get $p) (local.get $pend)))
            (local.set $col (i32.load (i32.add (local.get $xi) (i32.shl (local.get $p) (i32.const 2)))))
            (local.set $ra (f64.load (i32.add (local.get $xv) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $qend (i32.load offset=4 (i32.add (local.get $yp) (i32.shl (local.get $col) (i32.const 2)))))
            (local.set $q
              (call $lower_bound (local.get $yi)
                (i32.load (i32.add (local.get $yp) (i32.shl (local.get $col) (i32.const 2))))
                (local.get $qend) (i32.add (local.get $a) (i32.const 1))))
            (block $qs_done
              (loop $qs
                (br_if $qs_done (i32.ge_s (local.get $q) (local.get $qend)))
                (local.set $s (i32.add (local.get $acc)
                  (i32.shl (i32.load (i32.add (local.get $yi) (i32.shl (local.get $q) (i32.const 2)))) (i32.const 4))))
                (local.set $d (f64.sub (local.get $ra)
                  (f64.load (i32.add (local.get $yv) (i32.shl (local.get $q) (i32.const 3))))))
                (f64.store (local.get $s) (f64.add (f64.load (local.get $s)) (f64.const 1)))
                (f64.store offset=8 (local.get $s)
                  (f64.add (f64.load offset=8 (local.get $s)) (f64.mul (local.get $d) (local.get $d))))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qs)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $ps)))
        ;; Finalise row a and clear the accumulators for the next row.
        (local.set $row (i32.add (local.get $out) (i32.shl (i32.mul (local.get $a) (local.get $n)) (i32.const 3))))
        (local.set $b (i32.add (local.get $a) (i32.const 1)))
        (block $bs_done
          (loop $bs
            (br_if $bs_done (i32.ge_s (local.get $b) (local.get $n)))
            (local.set $s (i32.add (local.get $acc) (i32.shl (local.get $b) (i32.const 4))))
            (local.set $f (f64.load (local.get $s)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $b) (i32.const 3)))
              (if (result f64) (f64.ge (local.get $f) (local.get $minSupport))
                (then (f64.div (f64.const 1)
                  (f64.add (f64.div (f64.load offset=8 (local.get $s)) (local.get $f)) (f64.const 1))))
                (else (f64.const 0))))
            (f64.store (local.get $s) (f64.const 0))
            (f64.store offset=8 (local.get $s) (f64.const 0))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bs)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $rows))))

  ;; Pearson: acc[b] = (f, Σ r_a r_b, Σ r_a, Σ r_b, Σ r_a², Σ r_b²);
  ;; sim = (f Σ r_a r_b − Σ r_a Σ r_b) / √((f Σ r_a² − (Σ r_a)²)(f Σ r_b² − (Σ r_b)²)), 0 when that is 0 or NaN.
  (func (export "pearson_rows")
    (param $start i32) (param $end i32) (param $n i32) (param $out i32)
    (param $xp i32) (param $xi i32) (param $xv i32) (param $yp i32) (param $yi i32) (param $yv i32)
    (param $scratch i32) (param $minSupport f64)
    (local $acc i32) (local $a i32) (local $p i32) (local $pend i32) (local $col i32) (local $q i32)
    (local $qend i32) (local $ra f64) (local $rb f64) (local $s i32) (local $b i32) (local $f f64) (local $row i32)
    (local $sa f64) (local $sb f64) (local $num f64) (local $den f64) (local $v f64)
    (local.set $acc (call $acc_base (local.get $scratch) (local.get $n) (i32.const 48)))
    (local.set $a (local.get $start))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $a) (local.get $end)))
        (local.set $p (i32.load (i32.add (local.get $xp) (i32.shl (local.get $a) (i32.const 2)))))
        (local.set $pend (i32.load offset=4 (i32.add (local.get $xp) (i32.shl (local.get $a) (i32.const 2)))))
        (block $ps_done
          (loop $ps
            (br_if $ps_done (i32.ge_s (local.get $p) (local.get $pend)))
            (local.set $col (i32.load (i32.add (local.get $xi) (i32.shl (local.get $p) (i32.const 2)))))
            (local.set $ra (f64.load (i32.add (local.get $xv) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $qend (i32.load offset=4 (i32.add (local.get $yp) (i32.shl (local.get $col) (i32.const 2)))))
            (local.set $q
              (call $lower_bound (local.get $yi)
                (i32.load (i32.add (local.get $yp) (i32.shl (local.get $col) (i32.const 2))))
                (local.get $qend) (i32.add (local.get $a) (i32.const 1))))
            (block $qs_done
              (loop $qs
                (br_if $qs_done (i32.ge_s (local.get $q) (local.get $qend)))
                (local.set $s (i32.add (local.get $acc)
                  (i32.mul (i32.load (i32.add (local.get $yi) (i32.shl (local.get $q) (i32.const 2)))) (i32.const 48))))
                (local.set $rb (f64.load (i32.add (local.get $yv) (i32.shl (local.get $q) (i32.const 3)))))
                (f64.store (local.get $s) (f64.add (f64.load (local.get $s)) (f64.const 1)))
                (f64.store offset=8 (local.get $s)
                  (f64.add (f64.load offset=8 (local.get $s)) (f64.mul (local.get $ra) (local.get $rb))))
                (f64.store offset=16 (local.get $s) (f64.add (f64.load offset=16 (local.get $s)) (local.get $ra)))
                (f64.store offset=24 (local.get $s) (f64.add (f64.load offset=24 (local.get $s)) (local.get $rb)))
                (f64.store offset=32 (local.get $s)
                  (f64.add (f64.load offset=32 (local.get $s)) (f64.mul (local.get $ra) (local.get $ra))))
                (f64.store offset=40 (local.get $s)
                  (f64.add (f64.load offset=40 (local.get $s)) (f64.mul (local.get $rb) (local.get $rb))))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qs)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $ps)))
        (local.set $row (i32.add (local.get $out) (i32.shl (i32.mul (local.get $a) (local.get $n)) (i32.const 3))))
        (local.set $b (i32.add (local.get $a) (i32.const 1)))
        (block $bs_done
          (loop $bs
            (br_if $bs_done (i32.ge_s (local.get $b) (local.get $n)))
            (local.set $s (i32.add (local.get $acc) (i32.mul (local.get $b) (i32.const 48))))
            (local.set $f (f64.load (local.get $s)))
            (local.set $v (f64.const 0))
            (if (f64.ge (local.get $f) (local.get $minSupport))
              (then
                (local.set $sa (f64.load offset=16 (local.get $s)))
                (local.set $sb (f64.load offset=24 (local.get $s)))
                (local.set $num (f64.sub (f64.mul (local.get $f) (f64.load offset=8 (local.get $s)))
                  (f64.mul (local.get $sa) (local.get $sb))))
                (local.set $den (f64.sqrt (f64.mul
                  (f64.sub (f64.mul (local.get $f) (f64.load offset=32 (local.get $s))) (f64.mul (local.get $sa) (local.get $sa)))
                  (f64.sub (f64.mul (local.get $f) (f64.load offset=40 (local.get $s))) (f64.mul (local.get $sb) (local.get $sb))))))
                (if (i32.eqz (i32.or (f64.eq (local.get $den) (f64.const 0)) (f64.ne (local.get $den) (local.get $den))))
                  (then (local.set $v (f64.div (local.get $num) (local.get $den)))))))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $b) (i32.const 3))) (local.get $v))
            (f64.store (local.get $s) (f64.const 0))
            (f64.store offset=8 (local.get $s) (f64.const 0))
            (f64.store offset=16 (local.get $s) (f64.const 0))
            (f64.store offset=24 (local.get $s) (f64.const 0))
            (f64.store offset=32 (local.get $s) (f64.const 0))
            (f64.store offset=40 (local.get $s) (f64.const 0))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bs)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $rows))))

  ;; Cosine over the given values (ratings, or baseline residuals for pearson_baseline): acc[b] = (f, Σ r_a r_b,
  ;; Σ r_a², Σ r_b²); sim = Σ r_a r_b / √(Σ r_a² Σ r_b²) (0 when that is 0), times (f − 1)/(f − 1 + shrinkage) when
  ;; shrinkage ≥ 0 (Surprise's pearson_baseline; cosine passes −1).
  (func (export "product_rows")
    (param $start i32) (param $end i32) (param $n i32) (param $out i32)
    (param $xp i32) (param $xi i32) (param $xv i32) (param $yp i32) (param $yi i32) (param $yv i32)
    (param $scratch i32) (param $minSupport f64) (param $shrinkage f64)
    (local $acc i32) (local $a i32) (local $p i32) (local $pend i32) (local $col i32) (local $q i32)
    (local $qend i32) (local $ra f64) (local $rb f64) (local $s i32) (local $b i32) (local $f f64) (local $row i32)
    (local $den f64) (local $v f64)
    (local.set $acc (call $acc_base (local.get $scratch) (local.get $n) (i32.const 32)))
    (local.set $a (local.get $start))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $a) (local.get $end)))
        (local.set $p (i32.load (i32.add (local.get $xp) (i32.shl (local.get $a) (i32.const 2)))))
        (local.set $pend (i32.load offset=4 (i32.add (local.get $xp) (i32.shl (local.get $a) (i32.const 2)))))
        (block $ps_done
          (loop $ps
            (br_if $ps_done (i32.ge_s (local.get $p) (local.get $pend)))
            (local.set $col (i32.load (i32.add (local.get $xi) (i32.shl (local.get $p) (i32.const 2)))))
            (local.set $ra (f64.load (i32.add (local.get $xv) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $qend (i32.load offset=4 (i32.add (local.get $yp) (i32.shl (local.get $col) (i32.const 2)))))
            (local.set $q
              (call $lower_bound (local.get $yi)
                (i32.load (i32.add (local.get $yp) (i32.shl (local.get $col) (i32.const 2))))
                (local.get $qend) (i32.add (local.get $a) (i32.const 1))))
            (block $qs_done
              (loop $qs
                (br_if $qs_done (i32.ge_s (local.get $q) (local.get $qend)))
                (local.set $s (i32.add (local.get $acc)
                  (i32.shl (i32.load (i32.add (local.get $yi) (i32.shl (local.get $q) (i32.const 2)))) (i32.const 5))))
                (local.set $rb (f64.load (i32.add (local.get $yv) (i32.shl (local.get $q) (i32.const 3)))))
                (f64.store (local.get $s) (f64.add (f64.load (local.get $s)) (f64.const 1)))
                (f64.store offset=8 (local.get $s)
                  (f64.add (f64.load offset=8 (local.get $s)) (f64.mul (local.get $ra) (local.get $rb))))
                (f64.store offset=16 (local.get $s)
                  (f64.add (f64.load offset=16 (local.get $s)) (f64.mul (local.get $ra) (local.get $ra))))
                (f64.store offset=24 (local.get $s)
                  (f64.add (f64.load offset=24 (local.get $s)) (f64.mul (local.get $rb) (local.get $rb))))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qs)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $ps)))
        (local.set $row (i32.add (local.get $out) (i32.shl (i32.mul (local.get $a) (local.get $n)) (i32.const 3))))
        (local.set $b (i32.add (local.get $a) (i32.const 1)))
        (block $bs_done
          (loop $bs
            (br_if $bs_done (i32.ge_s (local.get $b) (local.get $n)))
            (local.set $s (i32.add (local.get $acc) (i32.shl (local.get $b) (i32.const 5))))
            (local.set $f (f64.load (local.get $s)))
            (local.set $v (f64.const 0))
            (if (f64.ge (local.get $f) (local.get $minSupport))
              (then
                (local.set $den (f64.sqrt
                  (f64.mul (f64.load offset=16 (local.get $s)) (f64.load offset=24 (local.get $s)))))
                (if (f64.ne (local.get $den) (f64.const 0))
                  (then (local.set $v (f64.div (f64.load offset=8 (local.get $s)) (local.get $den)))))
                (if (f64.ge (local.get $shrinkage) (f64.const 0))
                  (then (local.set $v (f64.mul (local.get $v)
                    (f64.div (f64.sub (local.get $f) (f64.const 1))
                      (f64.add (f64.sub (local.get $f) (f64.const 1)) (local.get $shrinkage)))))))))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $b) (i32.const 3))) (local.get $v))
            (f64.store (local.get $s) (f64.const 0))
            (f64.store offset=8 (local.get $s) (f64.const 0))
            (f64.store offset=16 (local.get $s) (f64.const 0))
            (f64.store offset=24 (local.get $s) (f64.const 0))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bs)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $rows))))

  ;; Rows [start, end): the diagonal cell 1 and each cell (a, b), b < a, copied from (b, a). Column tiles of 64 keep
  ;; the 64 source rows' cache lines in use across 8 consecutive a before they are evicted.
  (func (export "mirror") (param $start i32) (param $end i32) (param $n i32) (param $out i32)
    (local $a i32) (local $b i32) (local $t i32) (local $bend i32) (local $row i32)
    (local.set $a (local.get $start))
    (block $diag_done
      (loop $diag
        (br_if $diag_done (i32.ge_s (local.get $a) (local.get $end)))
        (f64.store (i32.add (local.get $out)
          (i32.shl (i32.add (i32.mul (local.get $a) (local.get $n)) (local.get $a)) (i32.const 3))) (f64.const 1))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $diag)))
    (local.set $t (i32.const 0))
    (block $tiles_done
      (loop $tiles
        (br_if $tiles_done (i32.ge_s (local.get $t) (local.get $end)))
        (local.set $a (local.get $start))
        (if (i32.lt_s (local.get $a) (i32.add (local.get $t) (i32.const 1)))
          (then (local.set $a (i32.add (local.get $t) (i32.const 1)))))
        (block $as_done
          (loop $as
            (br_if $as_done (i32.ge_s (local.get $a) (local.get $end)))
            (local.set $bend (i32.add (local.get $t) (i32.const 64)))
            (if (i32.gt_s (local.get $bend) (local.get $a)) (then (local.set $bend (local.get $a))))
            (local.set $row (i32.add (local.get $out) (i32.shl (i32.mul (local.get $a) (local.get $n)) (i32.const 3))))
            (local.set $b (local.get $t))
            (block $bs_done
              (loop $bs
                (br_if $bs_done (i32.ge_s (local.get $b) (local.get $bend)))
                (f64.store (i32.add (local.get $row) (i32.shl (local.get $b) (i32.const 3)))
                  (f64.load (i32.add (local.get $out)
                    (i32.shl (i32.add (i32.mul (local.get $b) (local.get $n)) (local.get $a)) (i32.const 3)))))
                (local.set $b (i32.add (local.get $b) (i32.const 1)))
                (br $bs)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $as)))
        (local.set $t (i32.add (local.get $t) (i32.const 64)))
        (br $tiles))))
)
