;; Implicit ALS half-sweeps with f32x4 SIMD: the Gram matrix YᵀY + λI and the conjugate-gradient row update of
;; benfred/implicit `_least_squares_cg` (Hu, Koren & Volinsky 2008; Takács, Pilászy & Tikk 2011), in float32 like
;; implicit's default dtype.
;;
;; Source of the bytes in als-cg-wasm.ts; regenerate with `node packages/kindred/scripts/build-wasm.mjs`.
;;
;; Memory layout (byte offsets chosen by the caller, all 16-byte aligned):
;;   X, Y     f32 factor rows with `n` floats per row, n a multiple of 8 (pad entries are 0 and stay 0: the pad rows
;;            and columns of G are 0, so r, p and Ap are 0 there)
;;   G        n × n f32, YᵀY + λI on the real diagonal
;;   indptr, indices (i32), conf (f32): the CSR of signed confidences (conf > 0: p = 1 with c = conf; conf < 0:
;;            p = 0 with c = −conf)
;;   r, p, ap n f32 each: scratch
(module
  (memory (export "memory") 1)

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

  ;; out = s G v for the symmetric n × n G, as Σ_b (s v_b) G_b (rows = columns), so every step is a full-width axpy.
  (func $symv (param $G i32) (param $v i32) (param $out i32) (param $n i32) (param $s f32)
    (local $b i32) (local $rowBytes i32) (local $vb f32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $rowBytes))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $vb (f32.load (i32.add (local.get $v) (i32.shl (local.get $b) (i32.const 2)))))
        (if (f32.ne (local.get $vb) (f32.const 0))
          (then
            (call $axpy (f32.mul (local.get $s) (local.get $vb))
              (i32.add (local.get $G) (i32.mul (local.get $b) (local.get $rowBytes))) (local.get $out) (local.get $n))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $l))))

  ;; G = YᵀY + reg·I over `rows` rows of Y (n floats per row, the first f real): one rank-1 update per row.
  (func (export "gram") (param $Y i32) (param $rows i32) (param $G i32) (param $n i32) (param $f i32) (param $reg f32)
    (local $row i32) (local $a i32) (local $yo i32) (local $rowBytes i32) (local $ya f32) (local $at i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (memory.fill (local.get $G) (i32.const 0) (i32.mul (local.get $n) (local.get $rowBytes)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $yo (i32.add (local.get $Y) (i32.mul (local.get $row) (local.get $rowBytes))))
        (local.set $a (i32.const 0))
        (block $aDone
          (loop $aLoop
            (br_if $aDone (i32.ge_u (local.get $a) (local.get $f)))
            (local.set $ya (f32.load (i32.add (local.get $yo) (i32.shl (local.get $a) (i32.const 2)))))
            (if (f32.ne (local.get $ya) (f32.const 0))
              (then
                (call $axpy (local.get $ya) (local.get $yo)
                  (i32.add (local.get $G) (i32.mul (local.get $a) (local.get $rowBytes))) (local.get $n))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $aLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop)))
    (local.set $a (i32.const 0))
    (block $dDone
      (loop $dLoop
        (br_if $dDone (i32.ge_u (local.get $a) (local.get $f)))
        (local.set $at (i32.add (local.get $G) (i32.shl (i32.mul (local.get $a) (i32.add (local.get $n) (i32.const 1))) (i32.const 2))))
        (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (local.get $reg)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $dLoop))))

  ;; The CG update of rows [start, end) of X (implicit `_least_squares_cg`, warm-started from the current x):
  ;;   r = Σ c⁺ y − (G + Σ (|c|−1) y yᵀ) x;  p = r;  then `steps` CG iterations, early exit when ‖r‖² < 1e-20.
  ;; Rows without entries become 0.
  (func (export "cg")
    (param $start i32) (param $end i32) (param $indptr i32) (param $indices i32) (param $conf i32)
    (param $X i32) (param $Y i32) (param $G i32) (param $n i32) (param $steps i32)
    (param $r i32) (param $p i32) (param $ap i32)
    (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $x i32) (local $yo i32) (local $rowBytes i32)
    (local $it i32) (local $c f32) (local $w f32) (local $rsold f32) (local $rsnew f32) (local $alpha f32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
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
          (local.set $k (local.get $k0))
          (block $rDone
            (loop $rLoop
              (br_if $rDone (i32.ge_u (local.get $k) (local.get $k1)))
              (local.set $yo (i32.add (local.get $Y)
                (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes))))
              (local.set $c (f32.load (i32.add (local.get $conf) (i32.shl (local.get $k) (i32.const 2)))))
              (call $axpy
                (f32.sub
                  (select (local.get $c) (f32.const 0) (f32.gt (local.get $c) (f32.const 0)))
                  (f32.mul (f32.sub (f32.abs (local.get $c)) (f32.const 1)) (call $dot (local.get $yo) (local.get $x) (local.get $n))))
                (local.get $yo) (local.get $r) (local.get $n))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $rLoop)))
          (memory.copy (local.get $p) (local.get $r) (local.get $rowBytes))
          (local.set $rsold (call $dot (local.get $r) (local.get $r) (local.get $n)))
          (br_if $next (f32.lt (local.get $rsold) (f32.const 1e-20)))
          (local.set $it (i32.const 0))
          (block $cgDone
            (loop $cg
              (br_if $cgDone (i32.ge_u (local.get $it) (local.get $steps)))
              ;; Ap = G p + Σ_k (|c|−1)(y·p) y
              (call $symv (local.get $G) (local.get $p) (local.get $ap) (local.get $n) (f32.const 1))
              (local.set $k (local.get $k0))
              (block $aDone
                (loop $aLoop
                  (br_if $aDone (i32.ge_u (local.get $k) (local.get $k1)))
                  (local.set $w (f32.sub (f32.abs (f32.load (i32.add (local.get $conf) (i32.shl (local.get $k) (i32.const 2)))))
                    (f32.const 1)))
                  (if (f32.ne (local.get $w) (f32.const 0))
                    (then
                      (local.set $yo (i32.add (local.get $Y)
                        (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes))))
                      (call $axpy (f32.mul (local.get $w) (call $dot (local.get $yo) (local.get $p) (local.get $n)))
                        (local.get $yo) (local.get $ap) (local.get $n))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $aLoop)))
              (local.set $alpha (f32.div (local.get $rsold) (call $dot (local.get $p) (local.get $ap) (local.get $n))))
              (call $axpy (local.get $alpha) (local.get $p) (local.get $x) (local.get $n))
              (call $axpy (f32.neg (local.get $alpha)) (local.get $ap) (local.get $r) (local.get $n))
              (local.set $rsnew (call $dot (local.get $r) (local.get $r) (local.get $n)))
              (br_if $cgDone (f32.lt (local.get $rsnew) (f32.const 1e-20)))
              (call $xpby (local.get $r) (f32.div (local.get $rsnew) (local.get $rsold)) (local.get $p) (local.get $n))
              (local.set $rsold (local.get $rsnew))
              (local.set $it (i32.add (local.get $it) (i32.const 1)))
              (br $cg))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $users))))
)
