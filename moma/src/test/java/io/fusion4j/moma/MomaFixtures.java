package io.fusion4j.moma;

import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared pieces of the moma tests (public for the tests in the sub-packages): the CPU backend, a recording loss sink,
 * host copies and small batches.
 */
public final class MomaFixtures {
    private MomaFixtures() {
    }

    /** The CPU backend as the registry finds it, one thread (deterministic and cheap on a shared machine). */
    public static Backend cpu() {
        return Backends.discover().create("cpu", BackendOptions.withThreads(1));
    }

    /** The routers the module path provides: moma's four. */
    static Routers routers() {
        return Routers.discover();
    }

    /** Sets a parameter's value from host floats (row-major). */
    static void set(Backend be, Parameters params, String name, double[] v) {
        Tensor t = params.get(name).value();
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        if (t.numel() != f.length) {
            throw new IllegalArgumentException(name + " holds " + t.numel() + " values, given " + f.length);
        }
        be.copyFromHost(f, t);
    }

    /** {@code v} rounded to floats in a new F32 tensor of shape {@code s}. */
    public static Tensor upload(Backend be, double[] v, Shape s) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return upload(be, f, s);
    }

    /** {@code v} in a new F32 tensor of shape {@code s}. */
    public static Tensor upload(Backend be, float[] v, Shape s) {
        Tensor t = be.allocate(DType.F32, s);
        be.copyFromHost(v, t);
        return t;
    }

    /** An F32 tensor's values on the host. */
    public static float[] floats(Backend be, Tensor t) {
        float[] f = new float[(int) t.numel()];
        if (f.length > 0) {
            be.copyToHost(t, f);
        }
        return f;
    }

    /** An F32 tensor's values on the host, as doubles. */
    public static double[] get(Backend be, Tensor t) {
        float[] f = floats(be, t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** An I32 tensor's values on the host. */
    public static int[] ints(Backend be, Tensor t) {
        int[] v = new int[(int) t.numel()];
        if (v.length > 0) {
            be.copyToHost(t, v);
        }
        return v;
    }

    /** A routing as host data: per expert, row → gate (1 where the routing has no gates), rows in routing order. */
    static List<Map<Integer, Double>> perExpert(Backend be, Routing r) {
        int[] rows = ints(be, r.rows());
        double[] gates = r.gates() == null ? null : get(be, r.gates().value());
        int[] off = ints(be, r.offsets());
        List<Map<Integer, Double>> out = new ArrayList<>();
        for (int e = 0; e < r.experts(); e++) {
            if (off[e + 1] - off[e] != r.counts()[e]) {
                throw new AssertionError("offsets " + java.util.Arrays.toString(off) + " disagree with counts "
                        + java.util.Arrays.toString(r.counts()));
            }
            Map<Integer, Double> m = new LinkedHashMap<>();
            for (int i = off[e]; i < off[e + 1]; i++) {
                if (m.put(rows[i], gates == null ? 1.0 : gates[i]) != null) {
                    throw new AssertionError("row " + rows[i] + " twice under expert " + e);
                }
            }
            out.add(m);
        }
        return out;
    }

    /** Uniform random doubles in [lo, hi), rounded to floats so host and backend see the same numbers. */
    static double[] uniform(java.util.SplittableRandom r, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(lo, hi);
        }
        return v;
    }

    /**
     * A batch of {@code rows × length} positions: {@code modality[r][t]} is 0 (text) or 1 (image), positions at or
     * past {@code valid[r]} are padding. Ids and targets are irrelevant to routing (all 0).
     */
    static MixedBatch batch(int rows, int length, byte[] modality, int[] valid) {
        int n = rows * length;
        List<ImageSpan> spans = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int t = 0;
            while (t < length) {
                if (modality[r * length + t] == 1) {
                    int s = t;
                    while (t < length && modality[r * length + t] == 1) {
                        t++;
                    }
                    spans.add(new ImageSpan(r, s, t));
                } else {
                    t++;
                }
            }
        }
        return new MixedBatch(rows, length, new int[n], new int[n], modality.clone(), modality.clone(), valid.clone(),
                new int[rows][0], spans, null, 0, DataPosition.START);
    }

    /** Records every loss and metric it is given; gives each term the gradient scale set for it (1 otherwise). */
    static final class RecordingSink implements LossSink {
        final Map<String, Double> scales = new LinkedHashMap<>();
        final Map<String, LossValue> losses = new LinkedHashMap<>();
        final Map<String, Double> weights = new LinkedHashMap<>();
        final Map<String, Double> metrics = new LinkedHashMap<>();
        final List<String> scaleAsked = new ArrayList<>();

        RecordingSink scale(String term, double s) {
            scales.put(term, s);
            return this;
        }

        @Override
        public float gradScale(String term, double weight) {
            scaleAsked.add(term);
            return (float) (scales.getOrDefault(term, 1.0) * weight);
        }

        @Override
        public void loss(String term, double weight, LossValue value) {
            if (losses.put(term, value) != null) {
                throw new AssertionError("loss term " + term + " reported twice");
            }
            weights.put(term, weight);
        }

        @Override
        public void metric(String name, double value) {
            metrics.put(name, value);
        }
    }
}
