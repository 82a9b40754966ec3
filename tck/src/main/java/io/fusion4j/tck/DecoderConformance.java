package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The model group of the conformance kit, so every backend runs the golden decoder step (formerly
 * {@code DecoderGoldenTest} of the CPU backend). llm.c-style golden test: a tiny decoder with seeded weights and a fixed batch. Logits and loss are
 * checked against an f64 decoder written here from the math in docs/model.md; every parameter tensor's
 * gradient against central differences of that f64 loss; then the losses of 10 AdamW steps against
 * f64 AdamW driven by finite-difference gradients.
 */
public abstract class DecoderConformance extends FlopConformance {
    private static final int B = 2;
    private static final int T = 5;

    private static DecoderConfig config(NormPlacement norm) {
        return new DecoderConfig(11, 8, 2, 2, 12, 10000f, 1e-5f, norm, norm == NormPlacement.CHAMELEON, 1e-3f, 0.3f);
    }

    /** The f64 reference decoder over a name → weights map. */
    static final class Reference {
        final DecoderConfig c;
        final Map<String, double[]> p;

        Reference(DecoderConfig c, Map<String, double[]> p) {
            this.c = c;
            this.p = p;
        }

        static double[] linear(double[] x, double[] w, int n, int in, int out) {
            double[] y = new double[n * out];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < out; o++) {
                    double s = 0;
                    for (int i = 0; i < in; i++) {
                        s += x[r * in + i] * w[o * in + i];
                    }
                    y[r * out + o] = s;
                }
            }
            return y;
        }

        double[] rms(double[] x, double[] w, int rows, int cols) {
            return io.fusion4j.tck.Reference.rmsNorm(x, w, c.normEps(), rows, cols);
        }

        double[] rope(double[] x) {
            int hd = c.headDim();
            int half = hd / 2;
            double[] y = x.clone();
            for (int b = 0; b < B; b++) {
                for (int t = 0; t < T; t++) {
                    for (int h = 0; h < c.heads(); h++) {
                        int base = ((b * T + t) * c.heads() + h) * hd;
                        for (int i = 0; i < half; i++) {
                            double ang = t * Math.pow(c.ropeTheta(), -2.0 * i / hd);
                            double a = x[base + i];
                            double bb = x[base + i + half];
                            y[base + i] = a * Math.cos(ang) - bb * Math.sin(ang);
                            y[base + i + half] = a * Math.sin(ang) + bb * Math.cos(ang);
                        }
                    }
                }
            }
            return y;
        }

        double[] attention(double[] x, String pre) {
            int d = c.dim();
            int n = B * T;
            int hd = c.headDim();
            double[] q = linear(x, p.get(pre + ".wq"), n, d, d);
            double[] k = linear(x, p.get(pre + ".wk"), n, d, d);
            double[] v = linear(x, p.get(pre + ".wv"), n, d, d);
            if (c.qkNorm()) {
                q = rms(q, p.get(pre + ".q_norm"), n * c.heads(), hd);
                k = rms(k, p.get(pre + ".k_norm"), n * c.heads(), hd);
            }
            q = rope(q);
            k = rope(k);
            double[] a = new double[n * d];
            double scale = 1 / Math.sqrt(hd);
            for (int b = 0; b < B; b++) {
                for (int h = 0; h < c.heads(); h++) {
                    for (int i = 0; i < T; i++) {
                        double[] s = new double[i + 1];
                        double mx = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j <= i; j++) {
                            double dot = 0;
                            for (int e = 0; e < hd; e++) {
                                dot += q[(b * T + i) * d + h * hd + e] * k[(b * T + j) * d + h * hd + e];
                            }
                            s[j] = dot * scale;
                            mx = Math.max(mx, s[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j <= i; j++) {
                            s[j] = Math.exp(s[j] - mx);
                            sum += s[j];
                        }
                        for (int j = 0; j <= i; j++) {
                            for (int e = 0; e < hd; e++) {
                                a[(b * T + i) * d + h * hd + e] += s[j] / sum * v[(b * T + j) * d + h * hd + e];
                            }
                        }
                    }
                }
            }
            return linear(a, p.get(pre + ".wo"), n, d, d);
        }

        double[] ffn(double[] x, String pre) {
            int n = B * T;
            double[] g = linear(x, p.get(pre + ".w1"), n, c.dim(), c.ffnHidden());
            double[] u = linear(x, p.get(pre + ".w3"), n, c.dim(), c.ffnHidden());
            for (int i = 0; i < g.length; i++) {
                g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            }
            return linear(g, p.get(pre + ".w2"), n, c.ffnHidden(), c.dim());
        }

        static double[] add(double[] a, double[] b) {
            double[] r = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = a[i] + b[i];
            }
            return r;
        }

        double[] logits(int[] ids) {
            int d = c.dim();
            int n = B * T;
            double[] x = new double[n * d];
            for (int r = 0; r < n; r++) {
                System.arraycopy(p.get("tok_embeddings"), ids[r] * d, x, r * d, d);
            }
            for (int l = 0; l < c.layers(); l++) {
                String pre = "layers." + l;
                if (c.norm() == NormPlacement.PRE) {
                    double[] h = add(x, attention(rms(x, p.get(pre + ".attn_norm"), n, d), pre + ".attn"));
                    x = add(h, ffn(rms(h, p.get(pre + ".ffn_norm"), n, d), pre + ".ffn"));
                } else {
                    double[] h = add(x, rms(attention(x, pre + ".attn"), p.get(pre + ".attn_norm"), n, d));
                    x = add(h, rms(ffn(h, pre + ".ffn"), p.get(pre + ".ffn_norm"), n, d));
                }
            }
            return linear(rms(x, p.get("norm"), n, d), p.get("output"), n, d, c.vocab());
        }

        /** d loss / d w[i] by central differences with step h. */
        double centralDifference(double[] w, int i, double h, int[] ids, int[] targets) {
            double old = w[i];
            w[i] = old + h;
            double up = loss(ids, targets);
            w[i] = old - h;
            double down = loss(ids, targets);
            w[i] = old;
            return (up - down) / (2 * h);
        }

        double loss(int[] ids, int[] targets) {
            double[] perRow = io.fusion4j.tck.Reference.crossEntropy(logits(ids), targets, c.zLoss(), B * T, c.vocab());
            double total = 0;
            int counted = 0;
            for (int r = 0; r < B * T; r++) {
                if (targets[r] >= 0) {
                    total += perRow[r];
                    counted++;
                }
            }
            return total / counted;
        }
    }

    private static Map<String, double[]> hostParams(Backend be, Parameters params) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Parameters.Parameter p : params.all().values()) {
            float[] f = new float[(int) p.shape().numel()];
            be.copyToHost(p.value(), f);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            m.put(p.name(), d);
        }
        return m;
    }

    private static Tensor ints(Backend be, int[] v) {
        Tensor t = be.allocate(DType.I32, Shape.of(B, T));
        be.copyFromHost(v, t);
        return t;
    }

    @ParameterizedTest
    @EnumSource(NormPlacement.class)
    void logitsLossAndEveryParameterGradientMatchF64(NormPlacement norm) {
        DecoderConfig cfg = config(norm);
        SplittableRandom r = new SplittableRandom(norm.ordinal() + 11);
        int[] ids = r.ints(B * T, 0, cfg.vocab()).toArray();
        int[] targets = r.ints(B * T, 0, cfg.vocab()).toArray();
        targets[3] = -1; // an ignored position
        int[] pos = new int[B * T];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % T;
        }
        Backend be = backend;
        try (StepArena arena = be.newArena()) {
            Decoder dec = new Decoder(cfg);
            dec.parameters().allocate(be, 7);
            Reference ref = new Reference(cfg, hostParams(be, dec.parameters()));
            Graph g = new Graph(be, arena, true);
            Tensor tid = ints(be, ids);
            Tensor tpos = ints(be, pos);
            Tensor ttg = ints(be, targets);
            AttentionMask mask = AttentionMask.causal(B, T);
            Var logits = dec.logits(g, tid, tpos, mask);
            float[] lg = new float[B * T * cfg.vocab()];
            be.copyToHost(logits.value(), lg);
            double[] lgRef = ref.logits(ids);
            double lgScale = rms(lgRef);
            for (int i = 0; i < lg.length; i++) {
                assertThat((double) lg[i]).as("logit %d", i).isCloseTo(lgRef[i], org.assertj.core.data.Offset.offset(throughProducts(2e-5, lgRef[i], lgScale)));
            }
            double loss = g.crossEntropy(logits, ttg.reshape(B * T), cfg.zLoss());
            double lossRef = ref.loss(ids, targets);
            assertThat(loss).isCloseTo(lossRef, org.assertj.core.data.Offset.offset(throughProducts(1e-5, lossRef, 0)));
            g.backward();
            int checked = 0;
            for (Parameters.Parameter p : dec.parameters().all().values()) {
                float[] grad = new float[(int) p.shape().numel()];
                be.copyToHost(p.grad(), grad);
                double gradScale = rms(grad);
                double[] w = ref.p.get(p.name());
                for (int c : r.ints(0, w.length).distinct().limit(Math.min(4, w.length)).toArray()) {
                    double fd = ref.centralDifference(w, c, 1e-5, ids, targets);
                    assertThat((double) grad[c]).as("d loss / d %s[%d]", p.name(), c)
                            .isCloseTo(fd, org.assertj.core.data.Offset.offset(throughProducts(2e-5 + 2e-3 * Math.abs(fd), fd, gradScale)));
                    checked++;
                }
            }
            assertThat(checked).isGreaterThan(60);
            assertThat(dec.parameters().all()).hasSize(norm == NormPlacement.CHAMELEON ? 2 + 2 * 11 + 1 : 2 + 2 * 9 + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = NormPlacement.class, names = "PRE")
    void tenAdamWStepsFollowF64AdamW(NormPlacement norm) {
        DecoderConfig cfg = config(norm);
        SplittableRandom r = new SplittableRandom(5);
        int[] ids = r.ints(B * T, 0, cfg.vocab()).toArray();
        int[] targets = r.ints(B * T, 0, cfg.vocab()).toArray();
        int[] pos = new int[B * T];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % T;
        }
        double lr = 1e-2;
        Backend be = backend;
        try (StepArena arena = be.newArena()) {
            Decoder dec = new Decoder(cfg);
            dec.parameters().allocate(be, 3);
            Reference ref = new Reference(cfg, hostParams(be, dec.parameters()));
            Map<String, double[]> m = new HashMap<>();
            Map<String, double[]> v = new HashMap<>();
            float eps = 1e-8f;
            AdamW opt = new AdamW(be, dec.parameters(), 0.9f, 0.95f, eps, 0.1f, 0);
            Tensor tid = ints(be, ids);
            Tensor tpos = ints(be, pos);
            Tensor ttg = ints(be, targets);
            AttentionMask mask = AttentionMask.causal(B, T);
            for (int step = 1; step <= 10; step++) {
                be.fill(dec.parameters().grads(), 0f);
                Graph g = new Graph(be, arena, true);
                double loss = dec.loss(g, tid, tpos, mask, ttg);
                double lossRef = ref.loss(ids, targets);
                assertThat(loss).as("loss at step %d", step).isCloseTo(lossRef,
                        org.assertj.core.data.Offset.offset(throughProducts(2e-5 + 1e-5 * step, lossRef, 0)));
                g.backward();
                opt.step(lr);
                arena.release();
                // f64 AdamW on the reference weights: every gradient by central differences first, then the updates.
                Map<String, double[]> fdGrads = new LinkedHashMap<>();
                for (Parameters.Parameter p : dec.parameters().all().values()) {
                    double[] w = ref.p.get(p.name());
                    double[] gd = new double[w.length];
                    for (int i = 0; i < w.length; i++) {
                        gd[i] = ref.centralDifference(w, i, 1e-6, ids, targets);
                    }
                    fdGrads.put(p.name(), gd);
                }
                for (Parameters.Parameter p : dec.parameters().all().values()) {
                    double[] w = ref.p.get(p.name());
                    double[] mm = m.computeIfAbsent(p.name(), k -> new double[w.length]);
                    double[] vv = v.computeIfAbsent(p.name(), k -> new double[w.length]);
                    double wd = p.decay() ? 0.1 : 0;
                    io.fusion4j.tck.Reference.adamw(w, fdGrads.get(p.name()), mm, vv, lr, 0.9, 0.95, eps, wd, step, 1.0);
                }
            }
            assertThat(opt.steps()).isEqualTo(10);
        }
    }
}
