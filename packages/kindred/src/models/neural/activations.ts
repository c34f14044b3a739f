// Element-wise activations, forward and backward over the first n entries. Backward adds dy·f'(x) into dx. ReLU and
// GELU differentiate from the input, tanh and sigmoid from their output (cheaper, and what the saved tensor holds).
import type { Vec } from './vec.js';

/**
 * y = max(x, 0).
 *
 * @example
 * const y = new Float32Array(2);
 * reluForward(new Float32Array([-1, 2]), y, 2); // y = [0, 2]
 */
export function reluForward(x: Vec, y: Vec, n: number): void {
  for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

/**
 * dx += dy·[x > 0] (the subgradient 0 at x = 0, as PyTorch).
 *
 * @example
 * const dx = new Float32Array(2);
 * reluBackward(new Float32Array([-1, 2]), new Float32Array([5, 5]), dx, 2); // dx = [0, 5]
 */
export function reluBackward(x: Vec, dy: Vec, dx: Vec, n: number): void {
  for (let i = 0; i < n; i++) if (x[i] > 0) dx[i] += dy[i];
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * GELU in its tanh approximation (Hendrycks & Gimpel 2016, eq. in §2: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))),
 * the form BERT and GPT-2 use and PyTorch's `gelu(approximate='tanh')`; within 1e-3 of the exact erf form.
 *
 * @example
 * const y = new Float32Array(1);
 * geluForward(new Float32Array([1]), y, 1); // y ≈ [0.8412]
 */
export function geluForward(x: Vec, y: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + GELU_A * v * v * v)));
  }
}

/**
 * dx += dy·GELU'(x) of the tanh approximation: 0.5(1 + th) + 0.5·x·(1 − th²)·√(2/π)·(1 + 3·0.044715·x²).
 *
 * @example
 * const dx = new Float32Array(1);
 * geluBackward(new Float32Array([0]), new Float32Array([1]), dx, 1); // dx = [0.5]
 */
export function geluBackward(x: Vec, dy: Vec, dx: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const th = Math.tanh(GELU_C * (v + GELU_A * v * v * v));
    const d = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * GELU_C * (1 + 3 * GELU_A * v * v);
    dx[i] += dy[i] * d;
  }
}

/**
 * y = tanh(x).
 *
 * @example
 * const y = new Float32Array(1);
 * tanhForward(new Float32Array([0]), y, 1); // y = [0]
 */
export function tanhForward(x: Vec, y: Vec, n: number): void {
  for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
}

/**
 * dx += dy·(1 − y²), from the forward output y.
 *
 * @example
 * const dx = new Float32Array(1);
 * tanhBackward(new Float32Array([0]), new Float32Array([2]), dx, 1); // dx = [2]
 */
export function tanhBackward(y: Vec, dy: Vec, dx: Vec, n: number): void {
  for (let i = 0; i < n; i++) dx[i] += dy[i] * (1 - y[i] * y[i]);
}

/**
 * y = σ(x) = 1/(1 + e^−x), computed from e^−|x| so large |x| never overflows.
 *
 * @example
 * const y = new Float32Array(1);
 * sigmoidForward(new Float32Array([0]), y, 1); // y = [0.5]
 */
export function sigmoidForward(x: Vec, y: Vec, n: number): void {
  for (let i = 0; i < n; i++) y[i] = sigmoid(x[i]);
}

/**
 * dx += dy·y·(1 − y), from the forward output y.
 *
 * @example
 * const dx = new Float32Array(1);
 * sigmoidBackward(new Float32Array([0.5]), new Float32Array([1]), dx, 1); // dx = [0.25]
 */
export function sigmoidBackward(y: Vec, dy: Vec, dx: Vec, n: number): void {
  for (let i = 0; i < n; i++) dx[i] += dy[i] * y[i] * (1 - y[i]);
}

/**
 * σ(x) without overflow for either sign.
 *
 * @example
 * sigmoid(0); // 0.5
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * softplus(x) = log(1 + eˣ) in the stable form max(x, 0) + log1p(e^−|x|): −log σ(−x), the building block of the
 * logistic losses.
 *
 * @example
 * softplus(0); // ln 2
 */
export function softplus(x: number): number {
  return (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));
}
