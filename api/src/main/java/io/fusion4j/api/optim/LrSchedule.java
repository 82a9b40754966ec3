package io.fusion4j.api.optim;

/**
 * Learning rate by step (1-based): linear warm-up to {@code peak} over {@code warmup} steps, then cosine or
 * linear decay to {@code floor} at {@code total} steps, flat afterwards.
 */
public record LrSchedule(double peak, double floor, long warmup, long total, Decay decay) {
    public enum Decay { COSINE, LINEAR, CONSTANT }

    public LrSchedule {
        if (!(peak > 0) || floor < 0 || floor > peak || warmup < 0 || total < warmup) {
            throw new IllegalArgumentException("schedule needs 0 <= floor <= peak, peak > 0 and 0 <= warmup <= total; got peak="
                    + peak + " floor=" + floor + " warmup=" + warmup + " total=" + total);
        }
    }

    public double at(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("steps are 1-based, got " + step);
        }
        if (warmup > 0 && step <= warmup) {
            return peak * step / warmup;
        }
        if (decay == Decay.CONSTANT || step >= total) {
            return decay == Decay.CONSTANT ? peak : floor;
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        double shape = decay == Decay.COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
        return floor + (peak - floor) * shape;
    }
}
