;; score-rows: scores of one or four user vectors against every item row of a factor matrix (f32x4 SIMD).
;; Layout (byte addresses into this module's memory): Q holds n item rows of `fp` floats (fp a multiple of 4, zero
;; padded), bias n floats (address 0: no item bias). A user vector is fp floats; four users are 4 consecutive vectors.
;;   score1: out[i] = base + bias[i] + x·Q[i]                     (out: n floats)
;;   score4: out[r*n + i] = bases[r] + bias[i] + x_r·Q[i], r < 4  (out: 4n floats; bases: 4 floats)
;; score4 reads each item row once for four users: the matrix is streamed from memory a quarter as often, which is
;; what bounds a whole-catalogue pass (50k × 32 floats = 6.4 MB, beyond the L2 cache).
(module
  (memory (export "memory") 1)

  ;; Horizontal sum of a f32x4.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func (export "score1")
    (param $x i32) (param $q i32) (param $bias i32) (param $n i32) (param $fp i32) (param $base f32) (param $out i32)
    (local $i i32) (local $k i32) (local $row i32) (local $rowBytes i32) (local $acc v128) (local $s f32)
    (local.set $rowBytes (i32.shl (local.get $fp) (i32.const 2)))
    (local.set $row (local.get $q))
    (block $done
      (loop $items
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $ks
            (br_if $kdone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $acc
              (f32x4.add (local.get $acc)
                (f32x4.mul
                  (v128.load (i32.add (local.get $x) (local.get $k)))
                  (v128.load (i32.add (local.get $row) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $ks)))
        ;; (base + b_i) + x·q_i: the same order of additions as score4, so both give identical floats.
        (local.set $s (local.get $base))
        (if (local.get $bias)
          (then
            (local.set $s
              (f32.add (local.get $s)
                (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))))))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add (local.get $s) (call $hsum (local.get $acc))))
        (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $items))))

  (func (export "score4")
    (param $x i32) (param $q i32) (param $bias i32) (param $n i32) (param $fp i32) (param $bases i32) (param $out i32)
    (local $i i32) (local $k i32) (local $row i32) (local $rowBytes i32) (local $b f32) (local $o i32)
    (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $plane i32) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $rowBytes (i32.shl (local.get $fp) (i32.const 2)))
    (local.set $x1 (i32.add (local.get $x) (local.get $rowBytes)))
    (local.set $x2 (i32.add (local.get $x1) (local.get $rowBytes)))
    (local.set $x3 (i32.add (local.get $x2) (local.get $rowBytes)))
    (local.set $plane (i32.shl (local.get $n) (i32.const 2)))
    (local.set $row (local.get $q))
    (block $done
      (loop $items
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $kdone
          (loop $ks
            (br_if $kdone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $v (v128.load (i32.add (local.get $row) (local.get $k))))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $x) (local.get $k))))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $x1) (local.get $k))))))
            (local.set $a2 (f32x4.add (local.get $a2)
              (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $x2) (local.get $k))))))
            (local.set $a3 (f32x4.add (local.get $a3)
              (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $x3) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $ks)))
        (local.set $b (f32.const 0))
        (if (local.get $bias)
          (then (local.set $b (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
        (f32.store (local.get $o)
          (f32.add (f32.add (f32.load (local.get $bases)) (local.get $b)) (call $hsum (local.get $a0))))
        (local.set $o (i32.add (local.get $o) (local.get $plane)))
        (f32.store (local.get $o)
          (f32.add (f32.add (f32.load offset=4 (local.get $bases)) (local.get $b)) (call $hsum (local.get $a1))))
        (local.set $o (i32.add (local.get $o) (local.get $plane)))
        (f32.store (local.get $o)
          (f32.add (f32.add (f32.load offset=8 (local.get $bases)) (local.get $b)) (call $hsum (local.get $a2))))
        (local.set $o (i32.add (local.get $o) (local.get $plane)))
        (f32.store (local.get $o)
          (f32.add (f32.add (f32.load offset=12 (local.get $bases)) (local.get $b)) (call $hsum (local.get $a3))))
        (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $items))))
)
