package io.fusion4j.api.autograd;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A define-by-run tape for one step. Each op is one fused backend kernel (or a few) forward and records
 * one backward closure, so a decoder step records a few dozen entries per layer. Activations and their
 * gradients live in the step arena; {@link #backward()} walks the tape in reverse.
 *
 * <p>Gradient accumulation: the first contribution to a value's gradient is written in place by the backward
 * kernel itself; later ones (a value used twice, such as the residual stream) go through a temporary and an
 * add (see {@code sink}/{@code commit}). Parameter
 * gradients always accumulate into the flat gradient buffer, which the trainer zeroes once per step, so
 * several micro-batches add up.
 *
 * <p>With {@code grad == false} (evaluation, generation) nothing is recorded and no gradient exists.
 */
public final class Graph {
    private final Backend backend;
    private final StepArena arena;
    private final boolean grad;
    private final List<Runnable> tape = new ArrayList<>();
    private final Gradients gradients = new Gradients(this);

    public Graph(Backend backend, StepArena arena, boolean grad) {
        this.backend = backend;
        this.arena = arena;
        this.grad = grad;
    }

    public Backend backend() {
        return backend;
    }

    public StepArena arena() {
        return arena;
    }

    /** Entries recorded so far. */
    public int tapeLength() {
        return tape.size();
    }

    private Tensor alloc(Shape s) {
        return arena.allocate(DType.F32, s);
    }

    private Var result(Tensor value, Var... inputs) {
        boolean rg = false;
        if (grad) {
            for (Var v : inputs) {
                rg |= v.requiresGrad;
            }
        }
        return new Var(value, rg, null, false);
    }

    private void record(Var out, Runnable backward) {
        if (out.requiresGrad) {
            tape.add(backward);
        }
    }

    /**
     * Where a backward kernel should write {@code v}'s gradient contribution: {@code v}'s gradient itself when
     * nothing reached it yet (no copy), else a temporary that {@link #commit} adds. Claims the gradient on the
     * spot, so a value that is several inputs of one op (q = k = v) gets one direct sink and temporaries.
     * A value that needs no gradient gets scratch, since fused kernels write every output.
     */
    Tensor sink(Var v) {
        if (v.requiresGrad && !v.hasGrad) {
            if (v.grad == null) {
                v.grad = alloc(v.value.shape());
            }
            v.hasGrad = true;
            return v.grad;
        }
        return alloc(v.value.shape());
    }

    /** Adds a contribution written into {@code written} (from {@link #sink}) unless it went to the gradient directly. */
    void commit(Var v, Tensor written) {
        if (v.requiresGrad && written != v.grad) {
            Tensor old = v.grad;
            // A borrowed gradient is summed into a tensor of its own instead of being copied first.
            backend.add(old, written, v.sharedGrad ? claim(v) : old);
        }
    }

    /** {@code v}'s gradient as a tensor of its own, copying a borrowed one first, for in-place accumulation. */
    private Tensor ownGrad(Var v) {
        if (v.sharedGrad) {
            Tensor old = v.grad;
            backend.copy(old, claim(v));
        }
        return v.grad;
    }

    /** Gives {@code v} a fresh gradient tensor of its own (contents unset) in place of the borrowed one. */
    private Tensor claim(Var v) {
        v.grad = alloc(v.value.shape());
        v.sharedGrad = false;
        return v.grad;
    }

    /**
     * Adds {@code g} unchanged to {@code v}'s gradient. The first contribution is borrowed rather than copied
     * (an activation-sized copy per residual add and reshape otherwise); see {@link Var#sharedGrad}.
     */
    void pass(Var v, Tensor g) {
        if (!v.requiresGrad) {
            return;
        }
        if (!v.hasGrad && v.grad == null) {
            v.grad = g;
            v.hasGrad = true;
            v.sharedGrad = true;
        } else {
            accumulate(v, t -> backend.copy(g, t));
        }
    }

    /** Adds a gradient contribution to {@code v}: {@code kernel} writes it into the tensor it is given. */
    void accumulate(Var v, Consumer<Tensor> kernel) {
        if (!v.requiresGrad) {
            return;
        }
        Tensor t = sink(v);
        kernel.accept(t);
        commit(v, t);
    }

    /** The gradient flowing into an op's output (zero-filled when nothing reached it). */
    private Tensor gradOf(Var out) {
        if (!out.hasGrad) {
            out.grad = arena.allocateZeroed(DType.F32, out.value.shape());
            out.hasGrad = true;
        }
        return out.grad;
    }

    /** A value whose gradient is wanted although it is not a parameter (gradient checks, probing). */
    public Var variable(Tensor t) {
        return new Var(t, grad, null, false);
    }

    /** A value that needs no gradient (inputs, masks). */
    public Var constant(Tensor t) {
        return new Var(t, false, null, false);
    }

    /** True when this graph records backward work (training), false for evaluation and generation. */
    public boolean recordsGradients() {
        return grad;
    }

    /**
     * A parameter: its gradient is its view of the flat gradient buffer. A frozen parameter is a constant: it takes
     * no gradient, and ops whose inputs are all constants record no backward at all.
     */
    public Var param(Parameters.Parameter p) {
        return p.trainable() ? new Var(p.value(), grad, p.grad(), true) : constant(p.value());
    }

    /** The same value cut off from the tape: no gradient flows back through it. */
    public Var detach(Var x) {
        return constant(x.value);
    }

    /**
     * Records an op defined outside this class: {@code value} is its output, already computed by the caller's
     * kernels; {@code backward} runs during {@link #backward()} if any input takes a gradient. This is how modules
     * such as {@code moma} and {@code transfusion} add differentiable ops of their own:
     *
     * <pre>{@code
     * Var y = g.op(out, (dy, grads) -> grads.accumulate(x, dx -> backend.siluBackward(x.value(), dy, dx)), x);
     * }</pre>
     */
    public Var op(Tensor value, Backward backward, Var... inputs) {
        Var o = result(value, inputs);
        record(o, () -> backward.run(gradOf(o), gradients));
        return o;
    }

    // ---------------------------------------------------------------- ops

    /** Rows of {@code table} picked by I32 {@code ids}: {@code [N, D]}. */
    public Var embedding(Var table, Tensor ids) {
        Tensor out = alloc(Shape.of(ids.numel(), table.value.dim(-1)));
        backend.embedding(table.value, ids, out);
        Var o = result(out, table);
        record(o, () -> {
            if (table.requiresGrad) {
                backend.embeddingBackward(gradOf(o), ids, accumulatorOf(table));
            }
        });
        return o;
    }

    /** {@code x Wᵀ} for {@code x [N, in]} and {@code w [out, in]} (the layout of PyTorch's Linear). */
    public Var linear(Var x, Var w) {
        Tensor out = alloc(Shape.of(x.value.dim(0), w.value.dim(0)));
        backend.gemm(x.value, w.value.t(), out, 1f, 0f);
        Var o = result(out, x, w);
        record(o, () -> {
            Tensor dy = gradOf(o);
            accumulate(x, dx -> backend.gemm(dy, w.value, dx, 1f, 0f));
            if (w.requiresGrad) {
                if (w.hasGrad) {
                    backend.gemm(dy.t(), x.value, ownGrad(w), 1f, 1f); // dW += dyᵀ x
                } else {
                    accumulate(w, dw -> backend.gemm(dy.t(), x.value, dw, 1f, 0f));
                }
            }
        });
        return o;
    }

    public Var rmsNorm(Var x, Var w, float eps) {
        Tensor out = alloc(x.value.shape());
        Tensor rstd = alloc(Shape.of(x.value.shape().rows()));
        backend.rmsNorm(x.value, w.value, eps, out, rstd);
        Var o = result(out, x, w);
        record(o, () -> {
            Tensor dy = gradOf(o);
            Tensor dw = w.requiresGrad ? accumulatorOf(w) : arena.allocateZeroed(DType.F32, w.value.shape());
            Tensor dx = sink(x);
            backend.rmsNormBackward(x.value, w.value, rstd, dy, dx, dw);
            commit(x, dx);
        });
        return o;
    }

    /** LayerNorm over the last dim with gain {@code w} and bias {@code b}. */
    public Var layerNorm(Var x, Var w, Var b, float eps) {
        Tensor out = alloc(x.value.shape());
        Tensor mean = alloc(Shape.of(x.value.shape().rows()));
        Tensor rstd = alloc(Shape.of(x.value.shape().rows()));
        backend.layerNorm(x.value, w.value, b.value, eps, out, mean, rstd);
        Var o = result(out, x, w, b);
        record(o, () -> {
            Tensor dy = gradOf(o);
            Tensor dw = w.requiresGrad ? accumulatorOf(w) : arena.allocateZeroed(DType.F32, w.value.shape());
            Tensor db = b.requiresGrad ? accumulatorOf(b) : arena.allocateZeroed(DType.F32, b.value.shape());
            Tensor dx = sink(x);
            backend.layerNormBackward(x.value, w.value, mean, rstd, dy, dx, dw, db);
            commit(x, dx);
        });
        return o;
    }

    /** A tensor the kernel may accumulate into for parameter-like {@code w} (zeroed on first use). */
    Tensor accumulatorOf(Var w) {
        if (!w.hasGrad) {
            w.grad = arena.allocateZeroed(DType.F32, w.value.shape());
            w.hasGrad = true;
        }
        return ownGrad(w);
    }

    public Var add(Var a, Var b) {
        Tensor out = alloc(a.value.shape());
        backend.add(a.value, b.value, out);
        Var o = result(out, a, b);
        record(o, () -> {
            Tensor dy = gradOf(o);
            pass(a, dy);
            pass(b, dy);
        });
        return o;
    }

    /** The same elements with another shape. */
    public Var reshape(Var x, Shape shape) {
        Var o = result(x.value.reshape(shape), x);
        record(o, () -> {
            Tensor dy = gradOf(o);
            pass(x, dy.reshape(x.value.shape()));
        });
        return o;
    }

    /** Rotary embedding of {@code x [B,T,H,D]} at I32 {@code positions [B,T]}. */
    public Var rope(Var x, Tensor positions, float theta) {
        Tensor out = alloc(x.value.shape());
        backend.rope(x.value, positions, theta, out);
        Var o = result(out, x);
        record(o, () -> {
            Tensor dy = gradOf(o);
            accumulate(x, t -> backend.ropeBackward(dy, positions, theta, t));
        });
        return o;
    }

    /** Fused attention over {@code [B,T,H,D]} inputs. */
    public Var attention(Var q, Var k, Var v, AttentionMask mask, float scale) {
        Shape s = q.value.shape();
        Tensor out = alloc(s);
        Tensor lse = alloc(Shape.of(s.dim(0), s.dim(2), s.dim(1)));
        backend.attention(q.value, k.value, v.value, mask, scale, out, lse);
        Var o = result(out, q, k, v);
        record(o, () -> {
            Tensor dy = gradOf(o);
            Tensor dq = sink(q);
            Tensor dk = sink(k);
            Tensor dv = sink(v);
            backend.attentionBackward(q.value, k.value, v.value, out, lse, dy, mask, scale, dq, dk, dv);
            commit(q, dq);
            commit(k, dk);
            commit(v, dv);
        });
        return o;
    }

    /** {@code silu(gate) * up}. */
    public Var swiglu(Var gate, Var up) {
        Tensor out = alloc(gate.value.shape());
        backend.swiglu(gate.value, up.value, out);
        Var o = result(out, gate, up);
        record(o, () -> {
            Tensor dy = gradOf(o);
            Tensor dg = sink(gate);
            Tensor du = sink(up);
            backend.swigluBackward(gate.value, up.value, dy, dg, du);
            commit(gate, dg);
            commit(up, du);
        });
        return o;
    }

    // ---------------------------------------------------------------- ops for routing and other losses

    /** {@code 1 / (1 + exp(-x))}, element-wise. */
    public Var sigmoid(Var x) {
        Tensor y = alloc(x.value.shape());
        backend.sigmoid(x.value, y);
        return op(y, (dy, gr) -> gr.accumulate(x, dx -> backend.sigmoidBackward(y, dy, dx)), x);
    }

    /** Softmax over the last dim of {@code x [R, C]} (a token's distribution over experts). */
    public Var softmax(Var x) {
        Tensor y = alloc(x.value.shape());
        backend.softmax(x.value, y);
        return op(y, (dy, gr) -> gr.accumulate(x, dx -> backend.softmaxBackward(y, dy, dx)), x);
    }

    /** {@code s · x}. */
    public Var scale(Var x, float s) {
        Tensor y = alloc(x.value.shape());
        backend.scale(x.value, s, y);
        return op(y, (dy, gr) -> gr.accumulate(x, dx -> backend.scale(dy, s, dx)), x);
    }

    /**
     * Element-wise product {@code a ⊙ b}; {@code b} has {@code a}'s shape or is a row {@code [C]} broadcast over
     * {@code a [R, C]} (its gradient is then summed over the rows).
     */
    public Var mul(Var a, Var b) {
        Tensor y = alloc(a.value.shape());
        backend.mul(a.value, b.value, y);
        boolean broadcast = !b.value.shape().equals(a.value.shape()); // as the kernel decides, by shape
        return op(y, (dy, gr) -> {
            if (gr.wants(a)) {
                gr.accumulate(a, da -> backend.mul(dy, b.value, da));
            }
            if (gr.wants(b)) {
                if (!broadcast) {
                    gr.accumulate(b, db -> backend.mul(dy, a.value, db));
                } else {
                    // db[c] = Σ_r dy[r,c] a[r,c]: a ones-row GEMM sums the product over the rows.
                    long cols = b.value.numel();
                    long rows = a.value.numel() / cols;
                    Tensor prod = gr.scratch(Shape.of(rows, cols));
                    backend.mul(dy.reshape(rows, cols), a.value.reshape(rows, cols), prod);
                    Tensor ones = gr.scratch(Shape.of(1, rows));
                    backend.fill(ones, 1f);
                    gr.accumulate(b, db -> backend.gemm(ones, prod, db.reshape(1, cols), 1f, 0f));
                }
            }
        }, a, b);
    }

    /** {@code out[r, :] = x[r, :] · s[r]} for {@code x [R, C]} and {@code s [R]}: a gate per row. */
    public Var mulRows(Var x, Var s) {
        Tensor y = alloc(x.value.shape());
        backend.mulRows(x.value, s.value, y);
        return op(y, (dy, gr) -> {
            if (gr.wants(x)) {
                gr.accumulate(x, dx -> backend.mulRows(dy, s.value, dx));
            }
            if (gr.wants(s)) {
                gr.accumulate(s, ds -> backend.rowDot(dy, x.value, ds));
            }
        }, x, s);
    }

    /** Rows of {@code src [N, D]} picked by I32 {@code idx [M]}: {@code [M, D]} (expert dispatch, MoD selection). */
    public Var gatherRows(Var src, Tensor idx) {
        Tensor y = alloc(Shape.of(idx.numel(), src.value.dim(-1)));
        backend.gatherRows(src.value, idx, y);
        return op(y, (dy, gr) -> gr.accumulate(src, ds -> {
            backend.fill(ds, 0f);
            backend.scatterAddRows(dy, idx, null, ds);
        }), src);
    }

    /**
     * {@code out [rows, D]} with {@code out[idx[m]] += gate[m] · src[m]} for {@code src [M, D]}, I32 {@code idx [M]},
     * and {@code gates [M]} or null for weight 1; rows no index names are 0 (expert combine). The gate gradient is
     * {@code dGate[m] = dOut[idx[m]] · src[m]}, so a router learns through it.
     */
    public Var scatterAddRows(Var src, Tensor idx, Var gates, long rows) {
        Tensor y = arena.allocateZeroed(DType.F32, Shape.of(rows, src.value.dim(-1)));
        backend.scatterAddRows(src.value, idx, gates == null ? null : gates.value, y);
        Var[] inputs = gates == null ? new Var[]{src} : new Var[]{src, gates};
        return op(y, (dy, gr) -> {
            boolean wantSrc = gr.wants(src);
            boolean wantGates = gates != null && gr.wants(gates);
            if (!wantSrc && !wantGates) {
                return;
            }
            Tensor picked = gr.scratch(src.value.shape());
            backend.gatherRows(dy, idx, picked);
            if (wantGates) {
                gr.accumulate(gates, dg -> backend.rowDot(picked, src.value, dg));
            }
            if (wantSrc) {
                if (gates == null) {
                    gr.accumulate(src, ds -> backend.copy(picked, ds));
                } else {
                    gr.accumulate(src, ds -> backend.mulRows(picked, gates.value, ds));
                }
            }
        }, inputs);
    }

    /** {@code xᵀ [C, R]} of {@code x [R, C]} (token×expert scores to expert rows). */
    public Var transpose(Var x) {
        Tensor y = alloc(Shape.of(x.value.dim(1), x.value.dim(0)));
        backend.transpose(x.value, y);
        return op(y, (dy, gr) -> gr.accumulate(x, dx -> backend.transpose(dy, dx)), x);
    }

    /** {@code x · sigmoid(x)}, element-wise. */
    public Var silu(Var x) {
        Tensor y = alloc(x.value.shape());
        backend.silu(x.value, y);
        return op(y, (dy, gr) -> gr.accumulate(x, dx -> backend.siluBackward(x.value, dy, dx)), x);
    }

    /**
     * {@code x [R, C] + bias [C]}, the bias added to every row (a convolution's or a linear layer's bias); the bias
     * gradient is the sum of the rows' gradients.
     */
    public Var addRowBias(Var x, Var bias) {
        long cols = bias.value.numel();
        if (x.value.dim(-1) != cols) {
            throw new IllegalArgumentException("addRowBias: bias must have x's last dim " + x.value.dim(-1)
                    + " elements, found " + bias.value.shape());
        }
        Tensor y = alloc(x.value.shape());
        backend.add(x.value, bias.value, y);
        return op(y, (dy, gr) -> {
            gr.pass(x, dy);
            if (gr.wants(bias)) {
                long rows = x.value.numel() / cols;
                // db = 1ᵀ dy: a ones-row GEMM sums over the rows, accumulating into the bias gradient.
                Tensor ones = gr.scratch(Shape.of(1, rows));
                backend.fill(ones, 1f);
                backend.gemm(ones, dy.reshape(rows, cols), gr.accumulator(bias).reshape(1, cols), 1f, 1f);
            }
        }, x, bias);
    }

    /**
     * {@code [B, C, R]} from {@code x [B, R, C]}: each batch item's matrix transposed (NHWC feature maps to the
     * NCHW layout {@link #im2col} reads, and back). One {@link Backend#transpose} per batch item.
     */
    public Var transposeBatch(Var x) {
        if (x.value.rank() != 3) {
            throw new IllegalArgumentException("transposeBatch: expected x [B, R, C], found " + x.value.shape());
        }
        long b = x.value.dim(0);
        long r = x.value.dim(1);
        long c = x.value.dim(2);
        Tensor y = alloc(Shape.of(b, c, r));
        transposeEach(x.value, y, b, r, c);
        return op(y, (dy, gr) -> gr.accumulate(x, dx -> transposeEach(dy, dx, b, c, r)), x);
    }

    private void transposeEach(Tensor from, Tensor to, long b, long r, long c) {
        for (long i = 0; i < b; i++) {
            backend.transpose(from.select(i), to.select(i));
        }
    }

    /**
     * The patches of {@code x [B, C, H, W]} as rows {@code [B·OH·OW, C·KH·KW]} (zero padding), column
     * {@code c·KH·KW + ky·KW + kx}: a convolution is then one GEMM. The backward folds the rows' gradients back
     * with {@link Backend#col2im}, the adjoint, summing where patches overlap.
     */
    public Var im2col(Var x, io.fusion4j.api.backend.ConvGeometry geometry) {
        if (x.value.rank() != 4) {
            throw new IllegalArgumentException("im2col: expected x [B, C, H, W], found " + x.value.shape());
        }
        long b = x.value.dim(0);
        long c = x.value.dim(1);
        int h = (int) x.value.dim(2);
        int w = (int) x.value.dim(3);
        Tensor cols = alloc(Shape.of(b * geometry.outH(h) * geometry.outW(w),
                c * geometry.kernelH() * geometry.kernelW()));
        backend.im2col(x.value, geometry, cols);
        return op(cols, (dy, gr) -> gr.accumulate(x, dx -> backend.col2im(dy, geometry, dx)), x);
    }

    /**
     * The {@code k} largest values of each row of {@code x [R, C]} (descending, ties to the lower column) as a
     * differentiable {@code [R, k]}, their columns written to I32 {@code indices [R, k]}: the gradient of a picked
     * value goes to its place in {@code x}, the rest get 0.
     */
    public Var topK(Var x, int k, Tensor indices) {
        Tensor y = alloc(Shape.of(x.value.shape().rows(), k));
        backend.topK(x.value, k, y, indices);
        return op(y, (dy, gr) -> gr.accumulate(x, dx -> backend.topKBackward(dy, indices, dx)), x);
    }

    /**
     * Expert-grouped linear layer: rows {@code offsets[g] .. offsets[g+1]} of {@code x [R, in]} go through
     * {@code w[g]} of {@code w [G, out, in]} (PyTorch's Linear layout per expert), giving {@code [R, out]}; rows past
     * {@code offsets[G]} are 0. {@code offsets} is I32 {@code [G+1]} on the backend.
     */
    public Var groupedLinear(Var x, Var w, Tensor offsets) {
        return groupedLinear(x, w, offsets, -1);
    }

    /**
     * As {@link #groupedLinear(Var, Var, Tensor)}, where the caller knows {@code offsets[G]} on the host
     * ({@code grouped}, or -1 for unknown). When the groups take every row of {@code x}, as for rows gathered by a
     * {@link io.fusion4j.api.router.Routing}, no row is left over to zero: in an MoE step those zero-fills of the
     * output and of the input gradient wrote 120 MB.
     */
    public Var groupedLinear(Var x, Var w, Tensor offsets, long grouped) {
        long r = x.value.dim(0);
        if (grouped > r) {
            throw new IllegalArgumentException("groupedLinear: the groups take " + grouped + " rows, but x has " + r);
        }
        boolean covered = grouped == r;
        Shape outShape = Shape.of(r, w.value.dim(1));
        Tensor y = covered ? alloc(outShape) : arena.allocateZeroed(DType.F32, outShape);
        backend.groupedGemm(x.value, w.value.t(), offsets, y, 0f);
        return op(y, (dy, gr) -> {
            if (gr.wants(x)) {
                gr.accumulate(x, dx -> {
                    if (!covered) {
                        backend.fill(dx, 0f); // rows past offsets[G] get no contribution
                    }
                    backend.groupedGemm(dy, w.value, offsets, dx, 0f);
                });
            }
            if (gr.wants(w)) {
                backend.groupedGemmWeightGrad(dy, x.value, offsets, gr.accumulator(w), 1f); // dW[g] += dy_gᵀ x_g
            }
        }, x, w);
    }

    // ---------------------------------------------------------------- losses

    /**
     * Summed cross-entropy (plus z-loss) of {@code logits [N, V]} against I32 {@code targets [N]} over the rows whose
     * target is not negative. Each counted row's loss gets gradient {@code gradScale}: with
     * {@code weight / (targets counted in the whole batch)} the accumulated gradients of several micro-batches are
     * exactly the whole batch's, however unevenly the targets fall.
     */
    public LossValue crossEntropySum(Var logits, Tensor targets, float zLoss, float gradScale) {
        return crossEntropy(logits, targets, zLoss, counted -> gradScale);
    }

    /**
     * As {@link #crossEntropySum}, and also the sum and count over each group of rows: row {@code r} (counted when its
     * target is not negative) falls in group {@code groupOf[r]} of {@code groups.length}, whose {@link LossValue} is
     * written to {@code groups}. One kernel call: splitting the loss by the target's modality costs nothing extra.
     */
    public LossValue crossEntropySum(Var logits, Tensor targets, float zLoss, float gradScale, int[] groupOf,
                                     LossValue[] groups) {
        long n = logits.value.shape().rows();
        if (groupOf.length != n) {
            throw new IllegalArgumentException("crossEntropySum: groupOf must have one entry per row (" + n + "), found "
                    + groupOf.length);
        }
        double[] sums = new double[groups.length];
        long[] counts = new long[groups.length];
        LossValue total = crossEntropy(logits, targets, zLoss, counted -> gradScale, (row, loss) -> {
            sums[groupOf[row]] += loss;
            counts[groupOf[row]]++;
        });
        for (int i = 0; i < groups.length; i++) {
            groups[i] = new LossValue(sums[i], counts[i]);
        }
        return total;
    }

    /** Receives each counted row's loss. */
    @FunctionalInterface
    private interface RowLoss {
        void accept(int row, double loss);
    }

    private LossValue crossEntropy(Var logits, Tensor targets, float zLoss, java.util.function.LongFunction<Float> scaleOf) {
        return crossEntropy(logits, targets, zLoss, scaleOf, null);
    }

    /** The cross-entropy forward, then its backward recorded with the gradient scale {@code scaleOf(counted)}. */
    private LossValue crossEntropy(Var logits, Tensor targets, float zLoss, java.util.function.LongFunction<Float> scaleOf,
                                   RowLoss each) {
        long n = logits.value.shape().rows();
        Tensor losses = alloc(Shape.of(n));
        Tensor lse = alloc(Shape.of(n));
        backend.crossEntropy(logits.value, targets, zLoss, losses, lse);
        float[] l = new float[(int) n];
        int[] t = new int[(int) n];
        backend.copyToHost(losses, l);
        backend.copyToHost(targets, t);
        double sum = 0;
        long counted = 0;
        for (int i = 0; i < n; i++) {
            if (t[i] >= 0) {
                sum += l[i];
                counted++;
                if (each != null) {
                    each.accept(i, l[i]);
                }
            }
        }
        if (grad && logits.requiresGrad && counted > 0) {
            float gradScale = scaleOf.apply(counted);
            tape.add(() -> accumulate(logits, d -> backend.crossEntropyBackward(logits.value, targets, lse, zLoss, gradScale, d)));
        }
        return new LossValue(sum, counted);
    }

    /**
     * Summed per-row mean squared error of {@code pred [R, C]} against {@code target}: {@code Σ_r mean_c (p - t)²},
     * counted over R rows; each row's loss gets gradient {@code gradScale}.
     */
    public LossValue mse(Var pred, Tensor target, float gradScale) {
        long rows = pred.value.shape().rows();
        Tensor perRow = alloc(Shape.of(rows));
        backend.mse(pred.value, target, perRow);
        double sum = hostSum(perRow);
        if (grad && pred.requiresGrad) {
            tape.add(() -> accumulate(pred, d -> backend.mseBackward(pred.value, target, gradScale, d)));
        }
        return new LossValue(sum, rows);
    }

    /**
     * Summed element-wise binary cross-entropy with logits against targets in [0, 1], counted over every element;
     * each element's loss gets gradient {@code gradScale}.
     */
    public LossValue binaryCrossEntropy(Var logits, Tensor targets, float gradScale) {
        Tensor each = alloc(logits.value.shape());
        backend.bceWithLogits(logits.value, targets, each);
        double sum = hostSum(each);
        if (grad && logits.requiresGrad) {
            tape.add(() -> accumulate(logits, d -> backend.bceWithLogitsBackward(logits.value, targets, gradScale, d)));
        }
        return new LossValue(sum, logits.value.numel());
    }

    private double hostSum(Tensor t) {
        float[] h = new float[(int) t.numel()];
        backend.copyToHost(t, h);
        double s = 0;
        for (float f : h) {
            s += f;
        }
        return s;
    }

    /**
     * Mean cross-entropy (plus z-loss) of {@code logits [N, V]} against I32 {@code targets [N]} over the rows whose
     * target is not negative, with the gradient of that mean. For training with micro-batches use
     * {@link #crossEntropySum} with the trainer's gradient scale: a per-micro-batch mean weighted 1/k is not the
     * batch's gradient when micro-batches hold different numbers of targets.
     */
    public double crossEntropy(Var logits, Tensor targets, float zLoss) {
        return crossEntropy(logits, targets, zLoss, counted -> 1f / counted).mean();
    }

    /** Sets the gradient flowing into {@code out} (for losses that are not a built-in op): a copy of {@code grad}. */
    public void seed(Var out, Tensor grad) {
        if (!out.requiresGrad) {
            throw new IllegalArgumentException("seed: the value does not require a gradient");
        }
        accumulate(out, t -> backend.copy(grad, t));
    }

    /** Runs the recorded backward closures, last op first. */
    public void backward() {
        if (!grad) {
            throw new IllegalStateException("backward() on a no-grad graph");
        }
        for (int i = tape.size() - 1; i >= 0; i--) {
            tape.get(i).run();
        }
        tape.clear();
    }
}
