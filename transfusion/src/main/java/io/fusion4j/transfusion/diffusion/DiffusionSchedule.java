package io.fusion4j.transfusion.diffusion;

/**
 * The forward (noising) process of DDPM over {@code T} training timesteps: {@code x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε}.
 * Transfusion uses the cosine schedule of improved DDPM with {@code T = 1000}: {@code f(t) = cos²(((t/T)+s)/(1+s)·π/2)},
 * {@code s = 0.008}, {@code β_t = min(1 − f(t)/f(t−1), 0.999)}, and {@code ᾱ_t = Π_{s≤t}(1 − β_s)} (so ᾱ and β agree
 * exactly; they equal {@code f(t)/f(0)} wherever β is not clipped, which is every t but the last few). Timesteps are
 * 1-based: {@code t ∈ [1, T]}, with {@code ᾱ_0 = 1} standing for the clean image.
 *
 * <p>Scalars only, in f64: the per-element work (noising, denoising steps) runs on the backend.
 */
public final class DiffusionSchedule {
    /** Improved DDPM's offset, which keeps β small near t = 0. */
    public static final double COSINE_OFFSET = 0.008;
    /** The largest β: the last steps of the cosine schedule would otherwise reach β = 1. */
    public static final double MAX_BETA = 0.999;

    private final double[] alphaBar; // [0, T], alphaBar[0] = 1
    private final double[] beta;     // [1, T]; beta[0] unused (0)

    private DiffusionSchedule(double[] beta) {
        this.beta = beta;
        this.alphaBar = new double[beta.length];
        alphaBar[0] = 1;
        for (int t = 1; t < beta.length; t++) {
            alphaBar[t] = alphaBar[t - 1] * (1 - beta[t]);
        }
    }

    /** The cosine schedule over {@code steps} timesteps (Transfusion: 1000). */
    public static DiffusionSchedule cosine(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("a diffusion schedule needs >= 1 timestep, found " + steps);
        }
        double[] b = new double[steps + 1];
        for (int t = 1; t <= steps; t++) {
            b[t] = Math.min(1 - f(t, steps) / f(t - 1, steps), MAX_BETA);
        }
        return new DiffusionSchedule(b);
    }

    static double f(int t, int steps) {
        double c = Math.cos(((double) t / steps + COSINE_OFFSET) / (1 + COSINE_OFFSET) * Math.PI / 2);
        return c * c;
    }

    /** T, the number of training timesteps. */
    public int steps() {
        return beta.length - 1;
    }

    /** ᾱ_t for {@code t ∈ [0, T]}. */
    public double alphaBar(int t) {
        check(t, 0);
        return alphaBar[t];
    }

    /** β_t for {@code t ∈ [1, T]}. */
    public double beta(int t) {
        check(t, 1);
        return beta[t];
    }

    /**
     * The coefficients of the posterior {@code q(x_{t−1} | x_t, x₀) = N(c₀·x₀ + c_t·x_t, σ²)} for {@code t ∈ [1, T]}:
     * {@code c₀ = β_t√ᾱ_{t−1}/(1−ᾱ_t)}, {@code c_t = (1−ᾱ_{t−1})√(1−β_t)/(1−ᾱ_t)},
     * {@code σ² = β_t(1−ᾱ_{t−1})/(1−ᾱ_t)}.
     */
    public Posterior posterior(int t) {
        check(t, 1);
        return posterior(alphaBar[t], alphaBar[t - 1]);
    }

    /** The posterior between any two noise levels {@code ᾱ_t < ᾱ_prev} (a respaced step spans several timesteps). */
    static Posterior posterior(double abT, double abPrev) {
        double b = 1 - abT / abPrev;
        return new Posterior(b * Math.sqrt(abPrev) / (1 - abT), (1 - abPrev) * Math.sqrt(1 - b) / (1 - abT),
                b * (1 - abPrev) / (1 - abT));
    }

    /** Mean coefficients and variance of a DDPM posterior. */
    public record Posterior(double x0, double xt, double variance) {
    }

    /**
     * {@code n} timesteps spread evenly over {@code [1, T]}, descending, first {@code T} and last {@code 1} (n = 1:
     * just T): the steps a respaced sampler visits (Transfusion samples with 250; 50 is plenty at small scale).
     */
    public int[] respaced(int n) {
        int steps = steps();
        if (n < 1 || n > steps) {
            throw new IllegalArgumentException("sampling steps must be in [1, " + steps + "], found " + n);
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = n == 1 ? steps : (int) Math.round(steps - (double) i * (steps - 1) / (n - 1));
        }
        return out;
    }

    private void check(int t, int min) {
        if (t < min || t > steps()) {
            throw new IllegalArgumentException("timestep " + t + " is outside [" + min + ", " + steps() + "]");
        }
    }
}
