;; gemm: C (+)= A·B in f32x4 SIMD, the one kernel behind matmul.ts's three products (matmul-wasm.ts copies the
;; operands into this module's memory, calls packB / packAT, then gemm). All addresses and strides are in bytes:
;;   A(i, p) at a + (i/4)·sab + (i%4)·sai + p·sap   NN, NT: A row-major m×k (sab = 16k, sai = 4k, sap = 4);
;;                                  TN: Aᵀ packed by packAT into blocks of 4 rows (sab = 16k, sai = 4, sap = 16).
;;                                  A is only ever read one scalar at a time (splat), so one kernel serves all three
;;   B packed by packB into strips of 8 columns (NN, TN from B row-major; NT from the n×k B itself, so Bᵀ is never
;;                                  materialised), read sequentially
;;   C(i, j) at c + i·ldc + 4j      row-major m×n, rows padded to a multiple of 4 floats
;; m and n are multiples of 4: the caller pads, and what lands in the padding of A, B or C is never read back, so
;; the kernel has no scalar tails. Register blocking: a 4×8 block of C lives in 8 v128 accumulators while p runs,
;; each step 2 loads of B, 4 splat loads of A and 16 multiply/adds (4×4 for a last group of 4 columns). Measured
;; here, 6×8 blocks (12 accumulators) and unrolling p by two were both slower (spills), and one A pointer instead
;; of four (packed A) no faster. Cache blocking: p in slices of kc and j in slices of nc (a multiple of 8), so the
;; kc×nc panel of packed B read by every row block stays in L2 (the caller picks kc·nc); C is added to after the
;; first slice of p. `acc` = 1 adds into C's current contents (matmul's `accumulate`).
(module
  (memory (export "memory") 1)

  ;; 4 rows × 8 columns of C over `steps` values of p: a0 the address of A(i, p0), b0 of the 8 floats B(p0, j..j+7)
  ;; in packed B (the next p `ldb` = 32 bytes on), c0 of C(i, j).
  (func $block8
    (param $a0 i32) (param $sai i32) (param $sap i32) (param $b0 i32) (param $ldb i32) (param $steps i32)
    (param $c0 i32) (param $ldc i32) (param $add i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $bEnd i32) (local $c i32)
    (local $x v128) (local $u v128) (local $v v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $a1 (i32.add (local.get $a0) (local.get $sai)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $sai)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $sai)))
    (local.set $bEnd (i32.add (local.get $b0) (i32.mul (local.get $steps) (local.get $ldb))))
    (loop $p
      (local.set $u (v128.load (local.get $b0)))
      (local.set $v (v128.load offset=16 (local.get $b0)))
      (local.set $x (v128.load32_splat (local.get $a0)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $u))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $v))))
      (local.set $x (v128.load32_splat (local.get $a1)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $u))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $v))))
      (local.set $x (v128.load32_splat (local.get $a2)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $u))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $v))))
      (local.set $x (v128.load32_splat (local.get $a3)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $u))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $v))))
      (local.set $a0 (i32.add (local.get $a0) (local.get $sap)))
      (local.set $a1 (i32.add (local.get $a1) (local.get $sap)))
      (local.set $a2 (i32.add (local.get $a2) (local.get $sap)))
      (local.set $a3 (i32.add (local.get $a3) (local.get $sap)))
      (local.set $b0 (i32.add (local.get $b0) (local.get $ldb)))
      (br_if $p (i32.lt_u (local.get $b0) (local.get $bEnd))))
    (local.set $c (local.get $c0))
    (if (local.get $add)
      (then
        (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $c))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c10 (f32x4.add (local.get $c10) (v128.load (local.get $c))))
        (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $c))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c20 (f32x4.add (local.get $c20) (v128.load (local.get $c))))
        (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $c))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c30 (f32x4.add (local.get $c30) (v128.load (local.get $c))))
        (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (local.get $c))))
        (local.set $c (local.get $c0))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31)))

  ;; 4 rows × 4 columns: the same as $block8 for a last group of 4 columns.
  (func $block4
    (param $a0 i32) (param $sai i32) (param $sap i32) (param $b0 i32) (param $ldb i32) (param $steps i32)
    (param $c0 i32) (param $ldc i32) (param $add i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $bEnd i32) (local $c i32) (local $u v128)
    (local $c00 v128) (local $c10 v128) (local $c20 v128) (local $c30 v128)
    (local.set $a1 (i32.add (local.get $a0) (local.get $sai)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $sai)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $sai)))
    (local.set $bEnd (i32.add (local.get $b0) (i32.mul (local.get $steps) (local.get $ldb))))
    (loop $p
      (local.set $u (v128.load (local.get $b0)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (v128.load32_splat (local.get $a0)) (local.get $u))))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (v128.load32_splat (local.get $a1)) (local.get $u))))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (v128.load32_splat (local.get $a2)) (local.get $u))))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (v128.load32_splat (local.get $a3)) (local.get $u))))
      (local.set $a0 (i32.add (local.get $a0) (local.get $sap)))
      (local.set $a1 (i32.add (local.get $a1) (local.get $sap)))
      (local.set $a2 (i32.add (local.get $a2) (local.get $sap)))
      (local.set $a3 (i32.add (local.get $a3) (local.get $sap)))
      (local.set $b0 (i32.add (local.get $b0) (local.get $ldb)))
      (br_if $p (i32.lt_u (local.get $b0) (local.get $bEnd))))
    (local.set $c (local.get $c0))
    (if (local.get $add)
      (then
        (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c10 (f32x4.add (local.get $c10) (v128.load (local.get $c))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c20 (f32x4.add (local.get $c20) (v128.load (local.get $c))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c30 (f32x4.add (local.get $c30) (v128.load (local.get $c))))
        (local.set $c (local.get $c0))))
    (v128.store (local.get $c) (local.get $c00))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c30)))

  ;; Bp, the packed B: strips of 8 columns (the last one 4 when n is not a multiple of 8), each strip its k rows of
  ;; 8 (or 4) floats one after another, strip j at float j·k, so $block8 streams B sequentially instead of touching a
  ;; new row (and, for wide B, a new page) every step. B(p, j) at src + p·sbp + j·sbj: NN and TN pass B row-major
  ;; (sbp = 4n, sbj = 4: vector copies), NT passes the n×k B itself (sbp = 4, sbj = 4k: a gather, so Bᵀ is never
  ;; materialised). n is a multiple of 4; columns past the real n read whatever follows B (the caller leaves room).
  (func (export "packB")
    (param $src i32) (param $sbp i32) (param $sbj i32) (param $k i32) (param $n i32) (param $dst i32)
    (local $j i32) (local $w i32) (local $s i32) (local $end i32) (local $r i32) (local $t i32)
    (loop $strips
      (local.set $w (select (i32.const 8) (i32.const 4) (i32.le_u (i32.add (local.get $j) (i32.const 8)) (local.get $n))))
      (local.set $s (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $sbj))))
      (local.set $end (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $w) (local.get $k)) (i32.const 2))))
      (if (i32.eq (local.get $sbj) (i32.const 4))
        (then
          (loop $rows
            (v128.store (local.get $dst) (v128.load (local.get $s)))
            (if (i32.eq (local.get $w) (i32.const 8))
              (then (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $s)))))
            (local.set $s (i32.add (local.get $s) (local.get $sbp)))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $w) (i32.const 2))))
            (br_if $rows (i32.lt_u (local.get $dst) (local.get $end)))))
        (else
          (loop $rows
            (local.set $t (local.get $s))
            (local.set $r (i32.const 0))
            (loop $lanes
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))) (f32.load (local.get $t)))
              (local.set $t (i32.add (local.get $t) (local.get $sbj)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $lanes (i32.lt_u (local.get $r) (local.get $w))))
            (local.set $s (i32.add (local.get $s) (local.get $sbp)))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $w) (i32.const 2))))
            (br_if $rows (i32.lt_u (local.get $dst) (local.get $end))))))
      (local.set $j (i32.add (local.get $j) (local.get $w)))
      (br_if $strips (i32.lt_u (local.get $j) (local.get $n)))))

  ;; Ap for TN: Aᵀ is stored k×m, so the 4 values A(i..i+3, p) a block needs are contiguous but a whole row (4m
  ;; bytes) apart from one p to the next; packed, block i/4 holds its k groups of 4 floats one after another (at float
  ;; 4·(i/4)·k), read sequentially. One call packs `rows` rows of Aᵀ (p0 … p0 + rows, staged at src by the caller, so
  ;; Aᵀ never needs a second full copy), every block of them in turn: the rows being read stay in L1 and in the TLB
  ;; (one block at a time down all k rows was a cache and TLB miss per 16 bytes). m is a multiple of 4; the last group
  ;; may read 3 floats past the staged rows (room is left).
  (func (export "packAT")
    (param $src i32) (param $sap i32) (param $m i32) (param $rows i32) (param $k i32) (param $p0 i32) (param $dst i32)
    (local $i i32) (local $s i32) (local $d i32) (local $end i32)
    (loop $blocks
      (local.set $s (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
      ;; Block i/4 starts at float i·k; its group p at 4p floats further.
      (local.set $d
        (i32.add (local.get $dst)
          (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (i32.shl (local.get $p0) (i32.const 2)))
            (i32.const 2))))
      (local.set $end (i32.add (local.get $d) (i32.shl (local.get $rows) (i32.const 4))))
      (loop $steps
        (v128.store (local.get $d) (v128.load (local.get $s)))
        (local.set $s (i32.add (local.get $s) (local.get $sap)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br_if $steps (i32.lt_u (local.get $d) (local.get $end))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $blocks (i32.lt_u (local.get $i) (local.get $m)))))

  ;; C (+)= A·Bp. A(i, p) at a + (i/4)·sab + (i%4)·sai + p·sap: row-major A (NN, NT: sab = 16k, sai = 4k, sap = 4)
  ;; or a packed Aᵀ (TN: sab = 16k, sai = 4, sap = 16). Bp from packB. m, n multiples of 4, k ≥ 1, nc a multiple
  ;; of 8.
  (func (export "gemm")
    (param $a i32) (param $sab i32) (param $sai i32) (param $sap i32) (param $b i32) (param $c i32) (param $ldc i32)
    (param $m i32) (param $k i32) (param $n i32) (param $kc i32) (param $nc i32) (param $acc i32)
    (local $p0 i32) (local $steps i32) (local $j0 i32) (local $j1 i32) (local $i i32) (local $j i32)
    (local $add i32) (local $aRow i32) (local $cRow i32)
    ;; Slices of p: [p0, p0 + steps).
    (loop $pSlices
      (local.set $steps (i32.sub (local.get $k) (local.get $p0)))
      (if (i32.gt_u (local.get $steps) (local.get $kc)) (then (local.set $steps (local.get $kc))))
      ;; Add into C unless this is the first slice of an overwriting product.
      (local.set $add (i32.or (local.get $acc) (i32.ne (local.get $p0) (i32.const 0))))
      ;; Slices of j: [j0, j1).
      (local.set $j0 (i32.const 0))
      (loop $jSlices
        (local.set $j1 (i32.add (local.get $j0) (local.get $nc)))
        (if (i32.gt_u (local.get $j1) (local.get $n)) (then (local.set $j1 (local.get $n))))
        (local.set $i (i32.const 0))
        (loop $rows
          (local.set $aRow
            (i32.add (i32.add (local.get $a) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (local.get $sab)))
              (i32.mul (local.get $p0) (local.get $sap))))
          (local.set $cRow (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
          (local.set $j (local.get $j0))
          (block $colsDone
            (loop $cols
              (br_if $colsDone (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $j1)))
              (call $block8 (local.get $aRow) (local.get $sai) (local.get $sap)
                (i32.add (local.get $b)
                  (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (i32.shl (local.get $p0) (i32.const 3)))
                    (i32.const 2)))
                (i32.const 32) (local.get $steps)
                (i32.add (local.get $cRow) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $add))
              (local.set $j (i32.add (local.get $j) (i32.const 8)))
              (br $cols)))
          (if (i32.lt_u (local.get $j) (local.get $j1))
            (then
              (call $block4 (local.get $aRow) (local.get $sai) (local.get $sap)
                (i32.add (local.get $b)
                  (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (i32.shl (local.get $p0) (i32.const 2)))
                    (i32.const 2)))
                (i32.const 16) (local.get $steps)
                (i32.add (local.get $cRow) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $add))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $rows (i32.lt_u (local.get $i) (local.get $m))))
        (local.set $j0 (local.get $j1))
        (br_if $jSlices (i32.lt_u (local.get $j0) (local.get $n))))
      (local.set $p0 (i32.add (local.get $p0) (local.get $steps)))
      (br_if $pSlices (i32.lt_u (local.get $p0) (local.get $k)))))
)
