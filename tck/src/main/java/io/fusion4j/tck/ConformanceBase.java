package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Availability;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.BackendProvider;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.util.SplittableRandom;

/**
 * Lifecycle and helpers of the conformance suite: creates the named backend once per test class
 * (through {@link Backends}, as users do), random data from seeded generators, and comparisons that
 * report the first failing index with both values.
 *
 * <p>Tolerances (F32 kernels against f64 references): element-wise and row kernels
 * {@code 2e-5 + 2e-5·|ref|}; dot-product kernels (GEMM, attention) scale with the depth:
 * {@code 1e-5·sqrt(K)·scale}; backward kernels against central differences of the f64 forward
 * {@code 1e-4 + 2e-3·|ref|}. BF16 storage is exact round-to-nearest-even of the F32 value.
 *
 * <p>A backend whose matrix products are {@link Precision#BF16} (its {@link #options()} say so) is held to the same
 * tolerances for the products themselves, against a reference that rounds each product's two operands to bf16
 * ({@link #productInput}): only fp32 accumulation may differ. Values that pass through products inside a model
 * (autograd, a decoder's logits and gradients, AdamW on it), compared with an f64 reference that does not round,
 * get the fp32 tolerance plus {@value #BF16_RELATIVE}·(|ref| + rms) ({@link #throughProducts}), where rms is the
 * root mean square of the values the check compares (a whole logits tensor, a whole gradient): a bf16 operand is
 * off by up to 2^-9 of itself, a product of two by 2^-8, a model's output adds a dozen such terms through norms that
 * rescale them (the kit's two-layer decoder with Chameleon's norms was measured 4.1% of (|ref| + rms) off at its
 * worst logit), and a value near zero is the sum of terms the size of its neighbours. Autograd's central
 * differences run through the backend's own forward, so in bf16 they step by 1/8 instead of 1/100: a smaller step
 * would drown in the rounding of the perturbed input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConformanceBase {
    /** Provider name of the backend under test, as {@code Backends} selects it. */
    protected abstract String providerName();

    /** Options for the backend under test; override to test other thread counts. */
    protected BackendOptions options() {
        return BackendOptions.defaults();
    }

    protected Backend backend;

    /** Relative widening of a tolerance for values that passed through bf16 products (see the class comment). */
    protected static final double BF16_RELATIVE = 1.0 / 16;

    /** The format of the backend's matrix products, as {@link #options()} asks for it. */
    protected final Precision precision() {
        return options().precision();
    }

    /**
     * A product operand in f64 as the backend's products see it: exact in fp32, rounded to bf16 (nearest, ties to
     * even) in bf16. GEMM references built from these keep the fp32 tolerances in either precision.
     */
    protected final double[] productInput(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = precision() == Precision.BF16 ? DType.fromBf16(DType.toBf16(x[i])) : x[i];
        }
        return d;
    }

    /**
     * {@code tolerance} for a value that passed through products, widened in bf16 by a share of its own size and of
     * {@code rms}, the root mean square of the values it is checked with (see the class comment).
     */
    protected final double throughProducts(double tolerance, double reference, double rms) {
        return precision() == Precision.BF16 ? tolerance + BF16_RELATIVE * (Math.abs(reference) + rms) : tolerance;
    }

    /** The root mean square of {@code x}. */
    protected static double rms(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return x.length == 0 ? 0 : Math.sqrt(s / x.length);
    }

    /** The root mean square of {@code x}. */
    protected static double rms(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return x.length == 0 ? 0 : Math.sqrt(s / x.length);
    }

    /**
     * Whether the suite is skipped (with the probe's reason) when the backend cannot run on this machine,
     * as an accelerator backend's suite is on a machine without one. A backend that must always run
     * (the CPU one) keeps the default, so an unavailable probe fails the suite instead of hiding it.
     */
    protected boolean skipWhenUnavailable() {
        return false;
    }

    @BeforeAll
    void createBackend() {
        Backends all = Backends.discover();
        BackendProvider provider = all.providers().stream().filter(p -> p.name().equals(providerName())).findFirst()
                .orElseThrow(() -> new AssertionError("backend provider '" + providerName()
                        + "' is not on the module path; found " + all.providers().stream().map(BackendProvider::name).toList()));
        Availability a = provider.probe();
        if (skipWhenUnavailable()) {
            Assumptions.assumeTrue(a.available(), () -> "backend '" + providerName() + "' is unavailable here: " + a.reason());
        }
        backend = all.create(providerName(), options());
    }

    @AfterAll
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /** A generator seeded from the test's own name, so every test is reproducible on its own. */
    protected static SplittableRandom rng(String testName) {
        return new SplittableRandom(testName.hashCode() * 0x9E3779B97F4A7C15L);
    }

    protected static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return x;
    }

    protected static float[] normal(SplittableRandom r, int n, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Box–Muller from two uniforms; quality is irrelevant, reproducibility is not.
            double u1 = 1 - r.nextDouble();
            double u2 = r.nextDouble();
            x[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return x;
    }

    protected Tensor tensor(float[] data, long... dims) {
        Tensor t = backend.allocate(DType.F32, Shape.of(dims));
        backend.copyFromHost(data, t);
        return t;
    }

    protected Tensor ints(int[] data, long... dims) {
        Tensor t = backend.allocate(DType.I32, Shape.of(dims));
        backend.copyFromHost(data, t);
        return t;
    }

    protected Tensor zeros(long... dims) {
        return backend.allocate(DType.F32, Shape.of(dims));
    }

    protected float[] read(Tensor t) {
        float[] r = new float[(int) t.numel()];
        backend.copyToHost(t, r);
        return r;
    }

    protected int[] readInts(Tensor t) {
        int[] r = new int[(int) t.numel()];
        backend.copyToHost(t, r);
        return r;
    }

    /** Asserts {@code |actual - expected| <= atol + rtol*|expected|} everywhere, naming the first bad index. */
    protected static void assertClose(String what, float[] actual, double[] expected, double atol, double rtol) {
        assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean ok = (Double.isInfinite(e) && a == e) || Math.abs(a - e) <= atol + rtol * Math.abs(e);
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " is " + a + ", expected " + e + " (tolerance "
                        + (atol + rtol * Math.abs(e)) + ")");
            }
        }
    }

    protected static void assertClose(String what, float[] actual, float[] expected, double atol, double rtol) {
        assertClose(what, actual, Reference.d(expected), atol, rtol);
    }

    /** Backend gradient {@code actual} at {@code coords} against central differences {@code numeric}. */
    protected static void assertGradient(String what, float[] actual, int[] coords, double[] numeric) {
        for (int c = 0; c < coords.length; c++) {
            double a = actual[coords[c]];
            double e = numeric[c];
            if (!(Math.abs(a - e) <= 1e-4 + 2e-3 * Math.abs(e))) {
                throw new AssertionError(what + ": gradient at " + coords[c] + " is " + a + ", finite differences give "
                        + e);
            }
        }
    }

    /** All indices, or {@code count} distinct random ones when the tensor is larger. */
    protected static int[] coords(SplittableRandom r, int n, int count) {
        if (n <= count) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        return r.ints(0, n).distinct().limit(count).toArray();
    }

    protected static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
