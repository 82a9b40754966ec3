package io.fusion4j.eval.metrics;

import java.util.List;

/**
 * The MoMa paper's FLOPs savings η: the training FLOPs the dense model needs to reach a variant's loss, divided by
 * the FLOPs the variant used. The dense model is known at a few budgets only (dense runs at 1×, 2×, 4× the
 * variant's budget, each with its own full schedule and so each a single end point), and between two adjacent
 * budgets its loss is taken as linear in {@code ln FLOPs}, the axis the paper's curves are drawn on.
 */
public final class FlopsSavings {

    private FlopsSavings() {
    }

    /**
     * One end point of a training run.
     *
     * @param flops the counted training FLOPs, finite and &gt; 0
     * @param loss  the loss it reached, finite
     */
    public record Point(double flops, double loss) {

        /** @throws IllegalArgumentException if FLOPs are not finite and positive, or the loss is not finite */
        public Point {
            if (!(flops > 0) || !Double.isFinite(flops)) {
                throw new IllegalArgumentException("flops: expected a finite value > 0, found " + flops);
            }
            if (!Double.isFinite(loss)) {
                throw new IllegalArgumentException("loss: expected a finite value, found " + loss);
            }
        }
    }

    /**
     * η of a variant against a dense curve.
     *
     * <p>The dense FLOPs at the variant's loss is found on the first segment, in FLOPs order, whose end losses
     * bracket the variant's loss (ends included), by linear interpolation of loss in {@code ln FLOPs}. A dense
     * curve that is not monotone (a longer run that ended worse, e.g. from noise) can cross the variant's loss more
     * than once; the first crossing is the fewest FLOPs at which dense is known to match the variant, so that is
     * the one used. A flat segment at exactly the variant's loss gives its left end.
     *
     * @param dense   the dense curve, at least 2 points, in strictly increasing FLOPs order
     * @param variant the variant's end point
     * @return {@link Savings.Measured} when the dense losses bracket the variant's, otherwise
     *         {@link Savings.AtLeast} (variant below every dense loss: largest dense FLOPs ÷ variant FLOPs) or
     *         {@link Savings.AtMost} (variant above every dense loss: smallest dense FLOPs ÷ variant FLOPs)
     * @throws IllegalArgumentException on fewer than 2 dense points, FLOPs not strictly increasing, or null
     */
    public static Savings eta(List<Point> dense, Point variant) {
        if (dense == null || variant == null) {
            throw new IllegalArgumentException("dense and variant: expected values, found null");
        }
        if (dense.size() < 2) {
            throw new IllegalArgumentException("dense: expected at least 2 points to interpolate between, found "
                    + dense.size());
        }
        double minLoss = Double.POSITIVE_INFINITY;
        double maxLoss = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < dense.size(); i++) {
            Point p = dense.get(i);
            if (p == null) {
                throw new IllegalArgumentException("dense: expected a point at index " + i + ", found null");
            }
            if (i > 0 && !(p.flops() > dense.get(i - 1).flops())) {
                throw new IllegalArgumentException("dense: expected strictly increasing FLOPs, found "
                        + dense.get(i - 1).flops() + " then " + p.flops() + " at index " + i);
            }
            minLoss = Math.min(minLoss, p.loss());
            maxLoss = Math.max(maxLoss, p.loss());
        }
        double target = variant.loss();
        if (target < minLoss) {
            return new Savings.AtLeast(dense.getLast().flops() / variant.flops());
        }
        if (target > maxLoss) {
            return new Savings.AtMost(dense.getFirst().flops() / variant.flops());
        }
        for (int i = 0; i + 1 < dense.size(); i++) {
            Point left = dense.get(i);
            Point right = dense.get(i + 1);
            if (left.loss() == target) {
                return new Savings.Measured(left.flops() / variant.flops());
            }
            if (right.loss() == target) {
                return new Savings.Measured(right.flops() / variant.flops());
            }
            // Compared rather than multiplied: a product of two tiny differences can underflow to 0.
            if (left.loss() < target == target < right.loss()) {
                double t = (target - left.loss()) / (right.loss() - left.loss());
                double logFlops = Math.log(left.flops()) + t * (Math.log(right.flops()) - Math.log(left.flops()));
                return new Savings.Measured(Math.exp(logFlops) / variant.flops());
            }
        }
        // Unreachable: the segments join every dense loss to the next, so together they cover [minLoss, maxLoss].
        throw new IllegalStateException("no dense segment brackets loss " + target);
    }

    /**
     * The dense loss at {@code flops}, linear in {@code ln FLOPs} between the adjacent dense points that bracket it:
     * the baseline "at equal FLOPs" for a variant that did not use exactly a dense budget (the upcycled run, whose
     * FLOPs include its seed's). Below the first dense point it is the first point's loss (dense then had more
     * compute than the variant, which favours dense); past the last it is NaN (no dense run had that much compute).
     *
     * @param dense the dense curve, at least 1 point, in strictly increasing FLOPs order
     */
    public static double lossAt(List<Point> dense, double flops) {
        if (dense == null || dense.isEmpty()) {
            throw new IllegalArgumentException("dense: expected at least 1 point, found none");
        }
        if (!(flops > 0) || !Double.isFinite(flops)) {
            throw new IllegalArgumentException("flops: expected a finite value > 0, found " + flops);
        }
        if (flops <= dense.getFirst().flops()) {
            return dense.getFirst().loss();
        }
        for (int i = 0; i + 1 < dense.size(); i++) {
            Point left = dense.get(i);
            Point right = dense.get(i + 1);
            if (!(right.flops() > left.flops())) {
                throw new IllegalArgumentException("dense: expected strictly increasing FLOPs, found "
                        + left.flops() + " then " + right.flops() + " at index " + (i + 1));
            }
            if (flops <= right.flops()) {
                double t = (Math.log(flops) - Math.log(left.flops())) / (Math.log(right.flops()) - Math.log(left.flops()));
                return left.loss() + t * (right.loss() - left.loss());
            }
        }
        return Double.NaN;
    }
}
