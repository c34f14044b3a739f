;; One epoch of biased matrix-factorisation SGD (Funk 2006; Koren, Bell & Volinsky 2009), exactly the update of
;; Surprise's SVD (prediction_algorithms/matrix_factorization.pyx), with f32x4 SIMD over the factors.
;;
;; Source of the bytes in sgd-epoch-wasm.ts; regenerate with `node packages/kindred/scripts/build-wasm.mjs`.
;;
;; Memory layout (byte offsets chosen by the caller, all 16-byte aligned):
;;   pu, qi   f32 factor rows with `stride` floats per row, stride a multiple of 8 (pad entries are 0 and stay 0,
;;            because their gradient err*0 - reg*0 is 0)
;;   bu, bi   f64 biases
;;   users, items (i32), vals (f32): the `n` ratings of this call, already in visiting order (read sequentially;
;;            the caller gathers them once per order, which is faster than an indirection through an order array)
;;
;; For each visited rating (u, i, r):
;;   err = r - (mu + bu[u] + bi[i] + q_i.p_u)
;;   if biased: bu[u] += lrBu (err - regBu bu[u]);  bi[i] += lrBi (err - regBi bi[i])
;;   p_u <- (1 - lrPu regPu) p_u + lrPu err q_i       (= p_u + lrPu (err q_i - regPu p_u))
;;   q_i <- (1 - lrQi regQi) q_i + lrQi err p_u_old   (Surprise uses the old p_u here too)
;; Returns the sum of squared errors measured before each update (the epoch's training loss).
;; `finite32` / `finite64` check a region for NaN/Infinity after each epoch.
(module
  (memory (export "memory") 1)
  (func (export "epoch")
    (param $n i32) (param $stride i32)
    (param $users i32) (param $items i32) (param $vals i32)
    (param $pu i32) (param $qi i32) (param $bu i32) (param $bi i32)
    (param $mu f64) (param $biased i32)
    (param $lrBu f64) (param $lrBi f64) (param $lrPu f32) (param $lrQi f32)
    (param $regBu f64) (param $regBi f64) (param $regPu f32) (param $regQi f32)
    (result f64)
    (local $k i32) (local $row i32) (local $p i32) (local $q i32) (local $pEnd i32) (local $rowBytes i32)
    (local $bup i32) (local $bip i32)
    (local $acc0 v128) (local $acc1 v128) (local $p0 v128) (local $p1 v128) (local $q0 v128) (local $q1 v128)
    (local $cp v128) (local $cq v128) (local $a v128) (local $b v128)
    (local $err f64) (local $sse f64) (local $buv f64) (local $biv f64) (local $errf f32)

    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $cp (f32x4.splat (f32.sub (f32.const 1) (f32.mul (local.get $lrPu) (local.get $regPu)))))
    (local.set $cq (f32x4.splat (f32.sub (f32.const 1) (f32.mul (local.get $lrQi) (local.get $regQi)))))

    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        ;; row = byte offset of rating k; then byte offsets of p_u, q_i, b_u, b_i
        (local.set $row (i32.shl (local.get $k) (i32.const 2)))
        (local.set $p (i32.load (i32.add (local.get $users) (local.get $row))))
        (local.set $q (i32.load (i32.add (local.get $items) (local.get $row))))
        (local.set $bup (i32.add (local.get $bu) (i32.shl (local.get $p) (i32.const 3))))
        (local.set $bip (i32.add (local.get $bi) (i32.shl (local.get $q) (i32.const 3))))
        (local.set $p (i32.add (local.get $pu) (i32.mul (local.get $p) (local.get $rowBytes))))
        (local.set $q (i32.add (local.get $qi) (i32.mul (local.get $q) (local.get $rowBytes))))
        (local.set $pEnd (i32.add (local.get $p) (local.get $rowBytes)))

        ;; dot = q_i . p_u, two accumulators (8 floats per step) to hide add latency
        (local.set $acc0 (v128.const f32x4 0 0 0 0))
        (local.set $acc1 (v128.const f32x4 0 0 0 0))
        (block $dotDone
          (loop $dot
            (br_if $dotDone (i32.ge_u (local.get $p) (local.get $pEnd)))
            (local.set $acc0 (f32x4.add (local.get $acc0)
              (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
            (local.set $acc1 (f32x4.add (local.get $acc1)
              (f32x4.mul (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $q)))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br $dot)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
        (local.set $p (i32.sub (local.get $p) (local.get $rowBytes)))
        (local.set $q (i32.sub (local.get $q) (local.get $rowBytes)))

        (local.set $buv (f64.load (local.get $bup)))
        (local.set $biv (f64.load (local.get $bip)))
        (local.set $err
          (f64.sub
            (f64.promote_f32 (f32.load (i32.add (local.get $vals) (local.get $row))))
            (f64.add
              (f64.add (f64.add (local.get $mu) (local.get $buv)) (local.get $biv))
              (f64.promote_f32
                (f32.add
                  (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
                  (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))))))
        (local.set $sse (f64.add (local.get $sse) (f64.mul (local.get $err) (local.get $err))))

        (if (local.get $biased)
          (then
            (f64.store (local.get $bup)
              (f64.add (local.get $buv)
                (f64.mul (local.get $lrBu) (f64.sub (local.get $err) (f64.mul (local.get $regBu) (local.get $buv))))))
            (f64.store (local.get $bip)
              (f64.add (local.get $biv)
                (f64.mul (local.get $lrBi) (f64.sub (local.get $err) (f64.mul (local.get $regBi) (local.get $biv))))))))

        (local.set $errf (f32.demote_f64 (local.get $err)))
        (local.set $a (f32x4.splat (f32.mul (local.get $lrPu) (local.get $errf))))
        (local.set $b (f32x4.splat (f32.mul (local.get $lrQi) (local.get $errf))))
        (block $updDone
          (loop $upd
            (br_if $updDone (i32.ge_u (local.get $p) (local.get $pEnd)))
            (local.set $p0 (v128.load (local.get $p)))
            (local.set $q0 (v128.load (local.get $q)))
            (local.set $p1 (v128.load offset=16 (local.get $p)))
            (local.set $q1 (v128.load offset=16 (local.get $q)))
            (v128.store (local.get $p)
              (f32x4.add (f32x4.mul (local.get $cp) (local.get $p0)) (f32x4.mul (local.get $a) (local.get $q0))))
            (v128.store (local.get $q)
              (f32x4.add (f32x4.mul (local.get $cq) (local.get $q0)) (f32x4.mul (local.get $b) (local.get $p0))))
            (v128.store offset=16 (local.get $p)
              (f32x4.add (f32x4.mul (local.get $cp) (local.get $p1)) (f32x4.mul (local.get $a) (local.get $q1))))
            (v128.store offset=16 (local.get $q)
              (f32x4.add (f32x4.mul (local.get $cq) (local.get $q1)) (f32x4.mul (local.get $b) (local.get $p1))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br $upd)))

        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
    (local.get $sse))

  ;; 1 when every f32 in [at, end) is finite (a multiple of 16 bytes): x*0 is ±0 for finite x and NaN for ±Inf/NaN,
  ;; so the lane sums stay 0 exactly when all values are finite (the per-epoch check of LightFM's _check_finite).
  (func (export "finite32") (param $at i32) (param $end i32) (result i32)
    (local $acc v128)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $at)) (v128.const f32x4 0 0 0 0))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $each)))
    (i32x4.all_true (f32x4.eq (local.get $acc) (v128.const f32x4 0 0 0 0))))

  ;; The same for f64 values (the biases).
  (func (export "finite64") (param $at i32) (param $end i32) (result i32)
    (local $acc v128)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (v128.load (local.get $at)) (v128.const f64x2 0 0))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $each)))
    (i64x2.all_true (f64x2.eq (local.get $acc) (v128.const f64x2 0 0))))
)
