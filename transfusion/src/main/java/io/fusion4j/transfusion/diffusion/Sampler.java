package io.fusion4j.transfusion.diffusion;

import java.util.Locale;

/**
 * How an image is denoised from pure noise at {@code t = T} to {@code x₀} in {@code n} respaced steps. Both samplers
 * first estimate {@code x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t}, then move to the next noise level {@code ᾱ'}:
 * <ul>
 *   <li>{@link #DDIM} (η = 0, deterministic): {@code x' = √ᾱ'·x̂₀ + √(1−ᾱ')·ε̂};</li>
 *   <li>{@link #DDPM} (ancestral, respaced as in improved DDPM): {@code x' = c₀·x̂₀ + c_t·x_t + σ·z} with the
 *       posterior of the respaced step (its β is {@code 1 − ᾱ_t/ᾱ'}).</li>
 * </ul>
 * The last step goes to {@code ᾱ' = 1}: DDIM returns {@code x̂₀}, DDPM adds no noise.
 */
public enum Sampler {
    DDIM,
    DDPM;

    /** The sampler a name gives ({@code ddim}, {@code ddpm}), for options and configs. */
    public static Sampler of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "ddim" -> DDIM;
            case "ddpm" -> DDPM;
            default -> throw new IllegalArgumentException("sampler must be ddim or ddpm, found '" + name + "'");
        };
    }

    /** The {@code n} updates from {@code t = T} down to the clean image, in order. */
    public SamplerStep[] plan(DiffusionSchedule schedule, int n) {
        int[] ts = schedule.respaced(n);
        SamplerStep[] out = new SamplerStep[ts.length];
        for (int i = 0; i < ts.length; i++) {
            int next = i + 1 < ts.length ? ts[i + 1] : 0;
            out[i] = step(schedule.alphaBar(ts[i]), schedule.alphaBar(next), ts[i], next);
        }
        return out;
    }

    /** The update from noise level {@code abT} (timestep t) to {@code abNext} (timestep next). */
    SamplerStep step(double abT, double abNext, int t, int next) {
        // x̂₀ = (x − √(1−ᾱ)·ε̂)/√ᾱ, so any update linear in x̂₀ and x is linear in x and ε̂.
        double x0FromX = 1 / Math.sqrt(abT);
        double x0FromEps = -Math.sqrt(1 - abT) / Math.sqrt(abT);
        return switch (this) {
            case DDIM -> {
                double s = Math.sqrt(abNext);
                yield new SamplerStep(this, t, next, abT, abNext, s * x0FromX, s * x0FromEps + Math.sqrt(1 - abNext), 0);
            }
            case DDPM -> {
                DiffusionSchedule.Posterior p = DiffusionSchedule.posterior(abT, abNext);
                yield new SamplerStep(this, t, next, abT, abNext, p.x0() * x0FromX + p.xt(), p.x0() * x0FromEps,
                        Math.sqrt(p.variance()));
            }
        };
    }
}
