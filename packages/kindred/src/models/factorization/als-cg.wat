;; Implicit ALS half-sweeps with f32x4 SIMD: the Gram matrix YᵀY + λI, the conjugate-gradient row update of
;; benfred/implicit `_least_squares_cg` (Hu, Koren & Volinsky 2008; Takács, Pilászy & Tikk 2011) and the training loss
;; of implicit's `calculate_loss`, in float32 like implicit's default dtype.
;;
;; Source of the bytes in als-cg-wasm.ts; regenerate with `node packages/kindred/scripts/build-wasm.mjs`.
;;
;; The memory is imported so that worker threads can share one (als-wasm.ts flips the import to `shared` for them):
;; every export works on a caller-given range of rows and writes only those rows (or its own partial result), so
;; threads can run calls side by side. Per-thread scratch sits at `scratch + thread·3·rowBytes`, the thread index set
;; once per instance with `set_thread`.
;;
;; Memory layout (byte offsets chosen by the caller, all 16-byte aligned):
;;   X, Y     f32 factor rows with `n` floats per row, n a multiple of 8 (pad entries are 0 and stay 0: the pad rows
;;            and columns of G are 0, so r, p and Ap are 0 there)
;;   G        n × n f32, YᵀY + λI on the real diagonal
;;   indptr, indices (i32), conf (f32): the CSR of signed confidences (conf > 0: p = 1 with c = conf; conf < 0:
;;            p = 0 with c = −conf)
;;   scratch  3 rows of n f32 (r, p, Ap) per thread
(module
  (import "env" "memory" (memory 1 65536))
  (global $thread (mut i32) (i32.const 0))

  ;; Which thread this instance runs on (selects its scratch rows).
  (func (export "set_thread") (param $t i32)
    (global.set $thread (local.get $t)))

  ;; a · b over n floats (n a multiple of 8), two accumulators to hide add latency.
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $end i32) (local $acc0 v128) (local $acc1 v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br $l)))
    (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  ;; y += s x over n floats.
  (func $axpy (param $s f32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $sv v128)
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $y)
          (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $sv) (v128.load (local.get $x)))))
        (v128.store offset=16 (local.get $y)
          (f32x4.add (v128.load offset=16 (local.get $y)) (f32x4.mul (local.get $sv) (v128.load offset=16 (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $y (i32.add (local.get $y) (i32.const 32)))
        (br $l))))

  ;; out = s G v for the symmetric n × n G as Σ_b (s v_b) G_b (rows = columns), register-blocked: 32 (then 8)
  ;; output floats stay in accumulators while G's rows stream past, so `out` is written once, not n times.
  (func $symv (param $G i32) (param $v i32) (param $out i32) (param $n i32) (param $s f32)
    (local $rowBytes i32) (local $blk i32) (local $g i32) (local $b i32) (local $vb v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $wideDone
      (loop $wide
        (br_if $wideDone (i32.gt_u (i32.add (local.get $blk) (i32.const 128)) (local.get $rowBytes)))
        (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
        (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
        (local.set $g (i32.add (local.get $G) (local.get $blk)))
        (local.set $b (i32.const 0))
        (block $bDone
          (loop $bLoop
            (br_if $bDone (i32.ge_u (local.get $b) (local.get $n)))
            (local.set $vb (f32x4.splat (f32.mul (local.get $s)
              (f32.load (i32.add (local.get $v) (i32.shl (local.get $b) (i32.const 2)))))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $vb) (v128.load (local.get $g)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $g)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $vb) (v128.load offset=32 (local.get $g)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $vb) (v128.load offset=48 (local.get $g)))))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $vb) (v128.load offset=64 (local.get $g)))))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $vb) (v128.load offset=80 (local.get $g)))))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $vb) (v128.load offset=96 (local.get $g)))))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $vb) (v128.load offset=112 (local.get $g)))))
            (local.set $g (i32.add (local.get $g) (local.get $rowBytes)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bLoop)))
        (local.set $g (i32.add (local.get $out) (local.get $blk)))
        (v128.store (local.get $g) (local.get $a0))
        (v128.store offset=16 (local.get $g) (local.get $a1))
        (v128.store offset=32 (local.get $g) (local.get $a2))
        (v128.store offset=48 (local.get $g) (local.get $a3))
        (v128.store offset=64 (local.get $g) (local.get $a4))
        (v128.store offset=80 (local.get $g) (local.get $a5))
        (v128.store offset=96 (local.get $g) (local.get $a6))
        (v128.store offset=112 (local.get $g) (local.get $a7))
        (local.set $blk (i32.add (local.get $blk) (i32.const 128)))
        (br $wide)))
    (block $narrowDone
      (loop $narrow
        (br_if $narrowDone (i32.ge_u (local.get $blk) (local.get $rowBytes)))
        (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $g (i32.add (local.get $G) (local.get $blk)))
        (local.set $b (i32.const 0))
        (block $bDone
          (loop $bLoop
            (br_if $bDone (i32.ge_u (local.get $b) (local.get $n)))
            (local.set $vb (f32x4.splat (f32.mul (local.get $s)
              (f32.load (i32.add (local.get $v) (i32.shl (local.get $b) (i32.const 2)))))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $vb) (v128.load (local.get $g)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $g)))))
            (local.set $g (i32.add (local.get $g) (local.get $rowBytes)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bLoop)))
        (local.set $g (i32.add (local.get $out) (local.get $blk)))
        (v128.store (local.get $g) (local.get $a0))
        (v128.store offset=16 (local.get $g) (local.get $a1))
        (local.set $blk (i32.add (local.get $blk) (i32.const 32)))
        (br $narrow))))

  ;; out += Σ_k s_k y_k over entries k0..k1 of a CSR row, s_k = useB·max(c_k, 0) + sign·(|c_k| − 1)·(y_k·v).
  ;; With (useB, sign) = (1, −1) this adds Yᵀc⁺ − Yᵀ(C−I)Y v (the residual), with (0, 1) it adds Yᵀ(C−I)Y v (A p).
  ;; Four entries at a time: one pass over v gives four dots, one pass over `out` adds four scaled rows, so v and out
  ;; are read a quarter as often and the four independent row loads overlap.
  (func $accum (param $k0 i32) (param $k1 i32) (param $indices i32) (param $conf i32) (param $Y i32)
    (param $rowBytes i32) (param $v i32) (param $out i32) (param $useB f32) (param $sign f32)
    (local $k i32) (local $o i32) (local $y0 i32) (local $y1 i32) (local $y2 i32) (local $y3 i32) (local $ip i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $vv v128)
    (local $t0 v128) (local $t1 v128) (local $c v128) (local $s v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $cs f32) (local $ss f32)
    (local.set $k (local.get $k0))
    (block $quadDone
      (loop $quad
        (br_if $quadDone (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $k1)))
        (local.set $ip (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $y0 (i32.add (local.get $Y) (i32.mul (i32.load (local.get $ip)) (local.get $rowBytes))))
        (local.set $y1 (i32.add (local.get $Y) (i32.mul (i32.load offset=4 (local.get $ip)) (local.get $rowBytes))))
        (local.set $y2 (i32.add (local.get $Y) (i32.mul (i32.load offset=8 (local.get $ip)) (local.get $rowBytes))))
        (local.set $y3 (i32.add (local.get $Y) (i32.mul (i32.load offset=12 (local.get $ip)) (local.get $rowBytes))))
        (local.set $acc0 (v128.const i32x4 0 0 0 0)) (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0)) (local.set $acc3 (v128.const i32x4 0 0 0 0))
        (local.set $o (i32.const 0))
        (block $dDone
          (loop $dLoop
            (br_if $dDone (i32.ge_u (local.get $o) (local.get $rowBytes)))
            (local.set $vv (v128.load (i32.add (local.get $v) (local.get $o))))
            (local.set $acc0 (f32x4.add (local.get $acc0)
              (f32x4.mul (local.get $vv) (v128.load (i32.add (local.get $y0) (local.get $o))))))
            (local.set $acc1 (f32x4.add (local.get $acc1)
              (f32x4.mul (local.get $vv) (v128.load (i32.add (local.get $y1) (local.get $o))))))
            (local.set $acc2 (f32x4.add (local.get $acc2)
              (f32x4.mul (local.get $vv) (v128.load (i32.add (local.get $y2) (local.get $o))))))
            (local.set $acc3 (f32x4.add (local.get $acc3)
              (f32x4.mul (local.get $vv) (v128.load (i32.add (local.get $y3) (local.get $o))))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $dLoop)))
        ;; Transpose-reduce the four accumulators into d = [y0·v, y1·v, y2·v, y3·v].
        (local.set $t0 (f32x4.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $acc0) (local.get $acc1))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $acc0) (local.get $acc1))))
        (local.set $t1 (f32x4.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $acc2) (local.get $acc3))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $acc2) (local.get $acc3))))
        (local.set $vv (f32x4.add
          (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t0) (local.get $t1))
          (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t0) (local.get $t1))))
        (local.set $c (v128.load (i32.add (local.get $conf) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $s (f32x4.add
          (f32x4.mul (f32x4.splat (local.get $useB)) (f32x4.max (local.get $c) (v128.const i32x4 0 0 0 0)))
          (f32x4.mul (f32x4.splat (local.get $sign))
            (f32x4.mul (f32x4.sub (f32x4.abs (local.get $c)) (v128.const f32x4 1 1 1 1)) (local.get $vv)))))
        (local.set $s0 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $s) (local.get $s)))
        (local.set $s1 (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $s) (local.get $s)))
        (local.set $s2 (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $s) (local.get $s)))
        (local.set $s3 (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $s) (local.get $s)))
        (local.set $o (i32.const 0))
        (block $aDone
          (loop $aLoop
            (br_if $aDone (i32.ge_u (local.get $o) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $out) (local.get $o))
              (f32x4.add
                (f32x4.add (v128.load (i32.add (local.get $out) (local.get $o)))
                  (f32x4.add (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $y0) (local.get $o))))
                    (f32x4.mul (local.get $s1) (v128.load (i32.add (local.get $y1) (local.get $o))))))
                (f32x4.add (f32x4.mul (local.get $s2) (v128.load (i32.add (local.get $y2) (local.get $o))))
                  (f32x4.mul (local.get $s3) (v128.load (i32.add (local.get $y3) (local.get $o)))))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $aLoop)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $quad)))
    ;; The last k1 − k0 mod 4 entries one at a time.
    (block $oneDone
      (loop $one
        (br_if $oneDone (i32.ge_u (local.get $k) (local.get $k1)))
        (local.set $y0 (i32.add (local.get $Y)
          (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $cs (f32.load (i32.add (local.get $conf) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $ss (f32.add
          (f32.mul (local.get $useB) (f32.max (local.get $cs) (f32.const 0)))
          (f32.mul (local.get $sign) (f32.mul (f32.sub (f32.abs (local.get $cs)) (f32.const 1))
            (call $dot (local.get $y0) (local.get $v) (i32.shr_u (local.get $rowBytes) (i32.const 2)))))))
        (call $axpy (local.get $ss) (local.get $y0) (local.get $out) (i32.shr_u (local.get $rowBytes) (i32.const 2)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $one))))

  ;; dst = src and returns src · src (n floats).
  (func $copyDot (param $src i32) (param $dst i32) (param $n i32) (result f32)
    (local $end i32) (local $v v128) (local $acc v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $v (v128.load (local.get $src)))
        (v128.store (local.get $dst) (local.get $v))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $l)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; The fused CG step: x += α p, r −= α Ap, returns r · r (one pass instead of three).
  (func $step (param $alpha f32) (param $p i32) (param $ap i32) (param $x i32) (param $r i32) (param $n i32)
    (result f32)
    (local $o i32) (local $end i32) (local $av v128) (local $rv v128) (local $acc v128)
    (local.set $av (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (v128.store (i32.add (local.get $x) (local.get $o))
          (f32x4.add (v128.load (i32.add (local.get $x) (local.get $o)))
            (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $o))))))
        (local.set $rv (f32x4.sub (v128.load (i32.add (local.get $r) (local.get $o)))
          (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $ap) (local.get $o))))))
        (v128.store (i32.add (local.get $r) (local.get $o)) (local.get $rv))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $rv) (local.get $rv))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; p = r + beta p over n floats.
  (func $xpby (param $r i32) (param $beta f32) (param $p i32) (param $n i32)
    (local $end i32) (local $bv v128)
    (local.set $bv (f32x4.splat (local.get $beta)))
    (local.set $end (i32.add (local.get $r) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $r) (local.get $end)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $r)) (f32x4.mul (local.get $bv) (v128.load (local.get $p)))))
        (local.set $r (i32.add (local.get $r) (i32.const 16)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l))))

  ;; G = Σ y yᵀ over rows [start, end) of Y (n floats per row, the first f real): a partial Gram matrix, so threads
  ;; can each sum a block of rows (combined by `gram_sum`). Two rows per pass over G, and only from the 4-aligned
  ;; block of the diagonal rightwards (the upper triangle; `gram_sum` mirrors it).
  (func (export "gram_part") (param $Y i32) (param $start i32) (param $end i32) (param $G i32) (param $n i32)
    (param $f i32)
    (local $row i32) (local $a i32) (local $y0 i32) (local $y1 i32) (local $rowBytes i32) (local $o i32)
    (local $g i32) (local $s0 v128) (local $s1 v128) (local $w1 f32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (memory.fill (local.get $G) (i32.const 0) (i32.mul (local.get $n) (local.get $rowBytes)))
    (local.set $row (local.get $start))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $y0 (i32.add (local.get $Y) (i32.mul (local.get $row) (local.get $rowBytes))))
        ;; The second row of the pair; an odd tail pairs the row with itself at weight 0.
        (if (i32.lt_u (i32.add (local.get $row) (i32.const 1)) (local.get $end))
          (then
            (local.set $y1 (i32.add (local.get $y0) (local.get $rowBytes)))
            (local.set $w1 (f32.const 1)))
          (else
            (local.set $y1 (local.get $y0))
            (local.set $w1 (f32.const 0))))
        (local.set $a (i32.const 0))
        (block $aDone
          (loop $aLoop
            (br_if $aDone (i32.ge_u (local.get $a) (local.get $f)))
            (local.set $s0 (f32x4.splat (f32.load (i32.add (local.get $y0) (i32.shl (local.get $a) (i32.const 2))))))
            (local.set $s1 (f32x4.splat (f32.mul (local.get $w1)
              (f32.load (i32.add (local.get $y1) (i32.shl (local.get $a) (i32.const 2)))))))
            (local.set $o (i32.shl (i32.and (local.get $a) (i32.const -4)) (i32.const 2)))
            (local.set $g (i32.add (local.get $G) (i32.mul (local.get $a) (local.get $rowBytes))))
            (block $cDone
              (loop $cLoop
                (br_if $cDone (i32.ge_u (local.get $o) (local.get $rowBytes)))
                (v128.store (i32.add (local.get $g) (local.get $o))
                  (f32x4.add (v128.load (i32.add (local.get $g) (local.get $o)))
                    (f32x4.add (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $y0) (local.get $o))))
                      (f32x4.mul (local.get $s1) (v128.load (i32.add (local.get $y1) (local.get $o)))))))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $cLoop)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $aLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 2)))
        (br $rowLoop))))

  ;; G = Σ_q parts[q] + reg·I over `count` partial Gram matrices (n × n each, consecutive), in order q = 0, 1, …
  ;; (the sum is the same whichever threads made the parts), then the upper triangle mirrored into the lower.
  (func (export "gram_sum") (param $parts i32) (param $count i32) (param $G i32) (param $n i32) (param $f i32)
    (param $reg f32)
    (local $bytes i32) (local $q i32) (local $o i32) (local $a i32) (local $b i32) (local $at i32)
    (local.set $bytes (i32.shl (i32.mul (local.get $n) (local.get $n)) (i32.const 2)))
    (memory.copy (local.get $G) (local.get $parts) (local.get $bytes))
    (local.set $q (i32.const 1))
    (block $qDone
      (loop $qLoop
        (br_if $qDone (i32.ge_u (local.get $q) (local.get $count)))
        (local.set $at (i32.add (local.get $parts) (i32.mul (local.get $q) (local.get $bytes))))
        (local.set $o (i32.const 0))
        (block $oDone
          (loop $oLoop
            (br_if $oDone (i32.ge_u (local.get $o) (local.get $bytes)))
            (v128.store (i32.add (local.get $G) (local.get $o))
              (f32x4.add (v128.load (i32.add (local.get $G) (local.get $o)))
                (v128.load (i32.add (local.get $at) (local.get $o)))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $oLoop)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $qLoop)))
    (local.set $a (i32.const 0))
    (block $aDone
      (loop $aLoop
        (br_if $aDone (i32.ge_u (local.get $a) (local.get $n)))
        (local.set $b (i32.const 0))
        (block $bDone
          (loop $bLoop
            (br_if $bDone (i32.ge_u (local.get $b) (local.get $a)))
            (f32.store (i32.add (local.get $G) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $n)) (local.get $b)) (i32.const 2)))
              (f32.load (i32.add (local.get $G) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $n)) (local.get $a)) (i32.const 2)))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bLoop)))
        (if (i32.lt_u (local.get $a) (local.get $f))
          (then
            (local.set $at (i32.add (local.get $G) (i32.shl (i32.mul (local.get $a) (i32.add (local.get $n) (i32.const 1))) (i32.const 2))))
            (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (local.get $reg)))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $aLoop))))

  ;; The CG update of rows [start, end) of X (implicit `_least_squares_cg`, warm-started from the current x):
  ;;   r = Σ c⁺ y − (G + Σ (|c|−1) y yᵀ) x;  p = r;  then `steps` CG iterations, early exit when ‖r‖² < 1e-20.
  ;; Rows without entries become 0.
  (func (export "cg")
    (param $start i32) (param $end i32) (param $indptr i32) (param $indices i32) (param $conf i32)
    (param $X i32) (param $Y i32) (param $G i32) (param $n i32) (param $steps i32) (param $scratch i32)
    (local $u i32) (local $k0 i32) (local $k1 i32) (local $x i32) (local $rowBytes i32)
    (local $r i32) (local $p i32) (local $ap i32)
    (local $it i32) (local $rsold f32) (local $rsnew f32) (local $alpha f32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $r (i32.add (local.get $scratch) (i32.mul (global.get $thread) (i32.mul (local.get $rowBytes) (i32.const 3)))))
    (local.set $p (i32.add (local.get $r) (local.get $rowBytes)))
    (local.set $ap (i32.add (local.get $p) (local.get $rowBytes)))
    (local.set $u (local.get $start))
    (block $usersDone
      (loop $users
        (br_if $usersDone (i32.ge_u (local.get $u) (local.get $end)))
        (local.set $x (i32.add (local.get $X) (i32.mul (local.get $u) (local.get $rowBytes))))
        (local.set $k0 (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $k1 (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (block $next
          (if (i32.eq (local.get $k0) (local.get $k1))
            (then
              (memory.fill (local.get $x) (i32.const 0) (local.get $rowBytes))
              (br $next)))
          ;; r = −G x + Σ_k (c⁺ − (|c|−1) y·x) y
          (call $symv (local.get $G) (local.get $x) (local.get $r) (local.get $n) (f32.const -1))
          (call $accum (local.get $k0) (local.get $k1) (local.get $indices) (local.get $conf) (local.get $Y)
            (local.get $rowBytes) (local.get $x) (local.get $r) (f32.const 1) (f32.const -1))
          (local.set $rsold (call $copyDot (local.get $r) (local.get $p) (local.get $n)))
          (br_if $next (f32.lt (local.get $rsold) (f32.const 1e-20)))
          (local.set $it (i32.const 0))
          (block $cgDone
            (loop $cg
              (br_if $cgDone (i32.ge_u (local.get $it) (local.get $steps)))
              ;; Ap = G p + Σ_k (|c|−1)(y·p) y
              (call $symv (local.get $G) (local.get $p) (local.get $ap) (local.get $n) (f32.const 1))
              (call $accum (local.get $k0) (local.get $k1) (local.get $indices) (local.get $conf) (local.get $Y)
                (local.get $rowBytes) (local.get $p) (local.get $ap) (f32.const 0) (f32.const 1))
              (local.set $alpha (f32.div (local.get $rsold) (call $dot (local.get $p) (local.get $ap) (local.get $n))))
              (local.set $rsnew (call $step (local.get $alpha) (local.get $p) (local.get $ap) (local.get $x) (local.get $r)
                (local.get $n)))
              (br_if $cgDone (f32.lt (local.get $rsnew) (f32.const 1e-20)))
              (call $xpby (local.get $r) (f32.div (local.get $rsnew) (local.get $rsold)) (local.get $p) (local.get $n))
              (local.set $rsold (local.get $rsnew))
              (local.set $it (i32.add (local.get $it) (i32.const 1)))
              (br $cg))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $users))))

  ;; Parts of implicit's `calculate_loss` over rows [start, end) of X with G = YᵀY (no λ), into three f64 at `out`:
  ;; Σ_u x_uᵀG x_u + Σ_obs [(|c|−1) s² + c⁺ − 2c⁺ s] with s = x_u·y_i, Σ_obs |c|, and Σ_u ‖x_u‖².
  (func (export "loss_part")
    (param $start i32) (param $end i32) (param $indptr i32) (param $indices i32) (param $conf i32)
    (param $X i32) (param $Y i32) (param $G i32) (param $n i32) (param $scratch i32) (param $out i32)
    (local $u i32) (local $k i32) (local $k1 i32) (local $x i32) (local $rowBytes i32) (local $gx i32)
    (local $c f32) (local $cp f64) (local $d f64) (local $loss f64) (local $total f64) (local $norms f64)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $gx (i32.add (local.get $scratch) (i32.mul (global.get $thread) (i32.mul (local.get $rowBytes) (i32.const 3)))))
    (local.set $u (local.get $start))
    (block $usersDone
      (loop $users
        (br_if $usersDone (i32.ge_u (local.get $u) (local.get $end)))
        (local.set $x (i32.add (local.get $X) (i32.mul (local.get $u) (local.get $rowBytes))))
        (call $symv (local.get $G) (local.get $x) (local.get $gx) (local.get $n) (f32.const 1))
        (local.set $loss (f64.add (local.get $loss) (f64.promote_f32 (call $dot (local.get $gx) (local.get $x) (local.get $n)))))
        (local.set $norms (f64.add (local.get $norms) (f64.promote_f32 (call $dot (local.get $x) (local.get $x) (local.get $n)))))
        (local.set $k (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $k1 (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (block $kDone
          (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $k) (local.get $k1)))
            (local.set $c (f32.load (i32.add (local.get $conf) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $d (f64.promote_f32 (call $dot (local.get $x)
              (i32.add (local.get $Y)
                (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes)))
              (local.get $n))))
            (local.set $cp (f64.promote_f32 (f32.max (local.get $c) (f32.const 0))))
            (local.set $loss (f64.add (local.get $loss)
              (f64.add
                (f64.mul (f64.promote_f32 (f32.sub (f32.abs (local.get $c)) (f32.const 1))) (f64.mul (local.get $d) (local.get $d)))
                (f64.sub (local.get $cp) (f64.mul (f64.mul (f64.const 2) (local.get $cp)) (local.get $d))))))
            (local.set $total (f64.add (local.get $total) (f64.promote_f32 (f32.abs (local.get $c)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kLoop)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $users)))
    (f64.store (local.get $out) (local.get $loss))
    (f64.store offset=8 (local.get $out) (local.get $total))
    (f64.store offset=16 (local.get $out) (local.get $norms)))

  ;; 1 when all `count` floats (a multiple of 4) from `at` are finite: x − x is 0 for finite x and NaN otherwise.
  (func (export "finite") (param $at i32) (param $count i32) (result i32)
    (local $end i32) (local $v v128) (local $ok v128)
    (local.set $ok (v128.const i32x4 -1 -1 -1 -1))
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $v (v128.load (local.get $at)))
        (local.set $ok (v128.and (local.get $ok)
          (f32x4.eq (f32x4.sub (local.get $v) (local.get $v)) (v128.const i32x4 0 0 0 0))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $l)))
    (i32x4.all_true (local.get $ok)))
)
