package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.eval.metrics.FlopsSavings;
import io.fusion4j.eval.metrics.Savings;
import io.fusion4j.eval.metrics.SeedStats;
import io.fusion4j.eval.metrics.Verdict;
import io.fusion4j.eval.report.Block;
import io.fusion4j.eval.report.Chart;
import io.fusion4j.eval.report.LineChart;
import io.fusion4j.eval.report.Paragraph;
import io.fusion4j.eval.report.Picture;
import io.fusion4j.eval.report.Point;
import io.fusion4j.eval.report.Section;
import io.fusion4j.eval.report.Series;
import io.fusion4j.eval.report.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import static io.fusion4j.eval.suite.SuiteReport.f;

/**
 * The Transfusion suite's sections (EVAL.md "Transfusion experiments"): text perplexity, image quality and
 * captioning of Transfusion, Chameleon and Transfusion with modality experts against counted FLOPs, the FLOPs at
 * which Transfusion reaches Chameleon's figure (the paper's Table 3), the ablations beside the paper's direction, the
 * CFG sweep, and samples.
 */
final class TransfusionReport {
    /** One metric of a scored run: how to read it, whether lower is better, and the paper's parity ratio. */
    private record Metric(String key, String label, boolean lowerIsBetter, String paperParity,
                          ToDoubleFunction<Scored> value) {
    }

    /** A trained and scored run. */
    private record Scored(Variant variant, RunMetrics metrics, JsonNode evaluation) {
        double flops() {
            return metrics.last().totalFlops();
        }

        double textPerplexity() {
            // Transfusion's LM term covers text targets only; the Chameleon baseline's text term is the same targets.
            double lm = variant.name().equals("chameleon") ? metrics.last().term("text") : metrics.last().term("lm");
            return Math.exp(lm);
        }

        double image(String key) {
            return evaluation == null ? Double.NaN : evaluation.path("images").path(key).asDouble(Double.NaN);
        }

        double caption(String key) {
            return evaluation == null ? Double.NaN : evaluation.path("captions").path(key).asDouble(Double.NaN);
        }
    }

    private final SuitePlan plan;
    private final SuiteScoring scoring;
    /** Perplexity, classifier-FID, accuracy (all, then the dataset's first attribute), CIDEr-D. */
    private final List<Metric> metrics = new ArrayList<>();
    /** Variant name → steps → seed → scored run. */
    private final Map<String, Map<Long, Map<Integer, Scored>>> runs = new LinkedHashMap<>();

    TransfusionReport(SuitePlan plan, Path out) throws IOException {
        this.plan = plan;
        this.scoring = SuiteScoring.of(plan.dataset());
        metrics.add(new Metric("text_perplexity", "held-out text perplexity", true, "0.49–0.60",
                Scored::textPerplexity));
        metrics.add(new Metric("classifier_fid", "classifier-FID", true, "0.029 (FID)", s -> s.image("classifier_fid")));
        metrics.add(new Metric("accuracy_all", "conditional accuracy (" + scoring.allMeans() + ")", false, "–",
                s -> s.image("all")));
        for (String a : scoring.imageAttributes().stream().limit(1).toList()) {
            metrics.add(new Metric("accuracy_" + a, "conditional " + a + " accuracy", false, "–", s -> s.image(a)));
        }
        metrics.add(new Metric("cider_d", "caption CIDEr-D", false, "0.218 (CIDEr)", s -> s.caption("cider_d")));
        for (Variant v : plan.variants()) {
            if (v.suite().equals("moma") || !Files.isRegularFile(v.run().resolve(RunMetrics.FILE))) {
                continue;
            }
            runs.computeIfAbsent(v.name(), k -> new LinkedHashMap<>()).computeIfAbsent(v.steps(),
                    k -> new LinkedHashMap<>()).put(v.seed(), new Scored(v, RunMetrics.read(v.run()),
                    SuiteEvaluation.read(v.run())));
        }
    }

    List<Section> sections(ObjectNode summary, ArrayNode verdicts, List<List<String>> verdictRows) throws IOException {
        List<Section> s = new ArrayList<>();
        s.add(table(summary));
        s.add(parity(summary, verdicts, verdictRows));
        s.add(ablations(summary, verdicts, verdictRows));
        s.add(guidance(summary));
        s.add(samples());
        return s;
    }

    private List<String> main() {
        return SuitePlan.TRANSFUSION_VARIANTS.stream().filter(runs::containsKey).toList();
    }

    private Section table(ObjectNode summary) {
        List<Block> b = new ArrayList<>();
        b.add(new Paragraph("Images are drawn for " + plan.budget().prompts() + " held-out prompts ("
                + plan.budget().samplesPerPrompt() + " each, DDIM-" + plan.budget().denoisingSteps() + " or code"
                + " sampling at temperature 1, guidance " + SuiteEvaluation.GUIDANCE + "). " + scoring.description()
                + " Classifier-FID is the Fréchet distance of the classifier's features against real held-out images"
                + " (the real-vs-real column is two real sets of the same size: the floor at this sample size)."
                + " Captions are greedy. Mean over seeds, the range in brackets."));
        List<List<String>> rows = new ArrayList<>();
        ArrayNode t = summary.putArray("runs");
        for (String name : main()) {
            for (var e : runs.get(name).entrySet()) {
                List<Scored> seeds = new ArrayList<>(e.getValue().values());
                List<String> row = new ArrayList<>(List.of(name, Long.toString(e.getKey()),
                        String.format(Locale.ROOT, "%.3g", mean(seeds, Scored::flops))));
                ObjectNode n = t.addObject().put("variant", name).put("steps", e.getKey())
                        .put("flops", mean(seeds, Scored::flops));
                for (Metric m : metrics) {
                    SeedStats st = stats(seeds, m.value());
                    row.add(MomaReport.stat(st, m.key().equals("text_perplexity") || m.key().equals("classifier_fid")
                            ? 2 : 3));
                    n.put(m.key(), st.mean());
                }
                row.add(f(mean(seeds, s -> s.image("real_vs_real_fid")), 2));
                rows.add(row);
            }
        }
        List<String> header = new ArrayList<>(List.of("variant", "steps", "FLOPs"));
        metrics.forEach(m -> header.add(m.label()));
        header.add("real-vs-real FID");
        b.add(new Table(header, rows, "Transfusion suite: per variant and budget"));
        for (Metric m : metrics) {
            List<Series> series = new ArrayList<>();
            for (String name : main()) {
                List<Point> pts = new ArrayList<>();
                for (var e : runs.get(name).values()) {
                    List<Scored> seeds = new ArrayList<>(e.values());
                    SeedStats st = stats(seeds, m.value());
                    double x = mean(seeds, Scored::flops);
                    if (!Double.isNaN(st.mean()) && x > 0) {
                        pts.add(seeds.size() > 1 ? new Point(x, st.mean(), st.min(), st.max()) : new Point(x, st.mean()));
                    }
                }
                series.add(new Series(name, pts));
            }
            b.add(new Chart("transfusion-" + m.key().replace('_', '-') + ".png", m.label() + " vs counted training"
                    + " FLOPs", new LineChart(m.label(), "training FLOPs (counted)", m.label(), true, series)));
        }
        return new Section("Transfusion: text, images and captions vs FLOPs", b);
    }

    private Section parity(ObjectNode summary, ArrayNode verdicts, List<List<String>> verdictRows) {
        List<Block> b = new ArrayList<>();
        b.add(new Paragraph("The paper's Table 3 shape: the FLOPs at which Transfusion reaches Chameleon's figure at"
                + " Chameleon's largest budget, as a fraction of Chameleon's FLOPs (interpolated in log-FLOPs over"
                + " Transfusion's budgets; \"< x\" when Transfusion's smallest budget already did better, \"> x\""
                + " when its largest did not get there). Below 1 favours Transfusion."));
        List<List<String>> rows = new ArrayList<>();
        ObjectNode p = summary.putObject("parity");
        Map<Long, Map<Integer, Scored>> cham = runs.get("chameleon");
        Map<Long, Map<Integer, Scored>> tf = runs.get("transfusion");
        if (cham == null || tf == null) {
            b.add(new Paragraph("Not measured: the suite needs both transfusion and chameleon runs."));
            return new Section("Transfusion: parity with Chameleon", b);
        }
        long top = cham.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        List<Scored> chamTop = new ArrayList<>(cham.get(top).values());
        List<Scored> tfTop = new ArrayList<>(tf.getOrDefault(top, Map.of()).values());
        for (Metric m : metrics) {
            double target = mean(chamTop, m.value());
            double chamFlops = mean(chamTop, Scored::flops);
            List<FlopsSavings.Point> curve = new ArrayList<>();
            double sign = m.lowerIsBetter() ? 1 : -1; // the curve must fall with FLOPs: negate what should rise
            for (var e : tf.values()) {
                List<Scored> seeds = new ArrayList<>(e.values());
                curve.add(new FlopsSavings.Point(mean(seeds, Scored::flops), sign * mean(seeds, m.value())));
            }
            String ratio;
            if (curve.size() < 2 || Double.isNaN(target) || curve.stream().anyMatch(q -> Double.isNaN(q.loss()))) {
                ratio = "–";
            } else if (curve.stream().allMatch(q -> q.loss() == sign * target)) {
                // Every run scored the same (an accuracy of 0 at this size): there is no curve to read parity from.
                ratio = "– (every run at " + f(target, 3) + ")";
            } else {
                // η of the Chameleon point against the Transfusion curve is Transfusion's FLOPs ÷ Chameleon's.
                Savings s = FlopsSavings.eta(curve, new FlopsSavings.Point(chamFlops, sign * target));
                ratio = s.describe().replace("×", "");
            }
            rows.add(List.of(m.label(), f(target, 3), ratio, m.paperParity()));
            p.put(m.key(), ratio);
            if (!tfTop.isEmpty() && !Double.isNaN(target)) {
                double[] ours = tfTop.stream().mapToDouble(m.value()).toArray();
                double[] base = chamTop.stream().mapToDouble(m.value()).toArray();
                if (java.util.Arrays.stream(ours).noneMatch(Double::isNaN)) {
                    Verdict v = Verdict.compare("transfusion's " + m.label(), ours, base, m.lowerIsBetter(), true);
                    addVerdict(verdicts, verdictRows, "Transfusion beats Chameleon at equal FLOPs: " + m.label()
                            + " (paper: yes)", v);
                }
            }
        }
        b.add(new Table(List.of("metric", "Chameleon at " + top + " steps", "Transfusion FLOPs to match ÷"
                + " Chameleon's", "paper (7B, Table 3)"), rows, "FLOPs to parity"));
        return new Section("Transfusion: parity with Chameleon", b);
    }

    private Section ablations(ObjectNode summary, ArrayNode verdicts, List<List<String>> verdictRows) {
        List<Block> b = new ArrayList<>();
        long first = plan.budget().transfusionSteps()[0];
        Scored base = runs.getOrDefault("transfusion", Map.of()).getOrDefault(first, Map.of()).get(1);
        b.add(new Paragraph("Each ablation trains one seed at the first budget (" + first + " steps) and is compared"
                + " with transfusion's seed 1 at that budget, so no spread is measured: the verdicts are single-seed"
                + " directions."));
        record Ablation(String name, String change, Metric metric, boolean paperSaysBetter, String paper) {
        }
        Metric fid = metric("classifier_fid");
        Metric cider = metric("cider_d");
        List<Ablation> list = List.of(
                new Ablation("causal-mask", "causal attention inside images", fid, false,
                        "worse: FID 61.3 vs 20.3 bidirectional (linear encoder)"),
                new Ablation("unet", "U-Net patch encoder/decoder", fid, true,
                        "better at small scale (U-Net up/down blocks help most for small models)"),
                new Ablation("no-noise-limit", "no noise limit for image-first pairs", cider, false,
                        "worse captioning: CIDEr 29.4 with the limit, 25.4 without"),
                new Ablation("patch-1", "1×1 latent patches (64 per image)", fid, true,
                        "more patches: better images at more compute"),
                new Ablation("patch-4", "4×4 latent patches (4 per image)", fid, false,
                        "fewer patches: cheaper, images degrade (less with U-Net)"));
        List<List<String>> rows = new ArrayList<>();
        ObjectNode a = summary.putObject("ablations");
        for (Ablation ab : list) {
            Scored s = runs.getOrDefault(ab.name(), Map.of()).getOrDefault(first, Map.of()).get(1);
            if (s == null) {
                rows.add(List.of(ab.name(), ab.change(), "not run at this preset or on this dataset", "–", "–", ab.paper(), "–"));
                continue;
            }
            double fidS = fid.value().applyAsDouble(s);
            double ciderS = cider.value().applyAsDouble(s);
            String verdict = "–";
            if (base != null) {
                double ours = ab.metric().value().applyAsDouble(s);
                double theirs = ab.metric().value().applyAsDouble(base);
                Verdict v = Verdict.compare(ab.name() + "'s " + ab.metric().label(), new double[]{ours},
                        new double[]{theirs}, ab.metric().lowerIsBetter(), ab.paperSaysBetter());
                verdict = v.sentence();
                addVerdict(verdicts, verdictRows, "ablation " + ab.name() + ": " + ab.paper(), v);
            }
            rows.add(List.of(ab.name(), ab.change(), f(fidS, 2) + " (base " + (base == null ? "–"
                    : f(fid.value().applyAsDouble(base), 2)) + ")", f(s.image("all"), 3), f(ciderS, 3), ab.paper(),
                    verdict));
            a.putObject(ab.name()).put("classifier_fid", fidS).put("cider_d", ciderS).put("accuracy_all",
                    s.image("all"));
        }
        b.add(new Table(List.of("ablation", "change", "classifier-FID", "accuracy (all)", "CIDEr-D", "paper",
                "ours"), rows, "Ablations against transfusion at the first budget, seed 1"));
        return new Section("Transfusion: ablations", b);
    }

    private Section guidance(ObjectNode summary) {
        List<Block> b = new ArrayList<>();
        List<Series> series = new ArrayList<>();
        ObjectNode g = summary.putObject("cfg_sweep");
        List<List<String>> rows = new ArrayList<>();
        for (String name : List.of("transfusion", "chameleon")) {
            var byBudget = runs.get(name);
            if (byBudget == null) {
                continue;
            }
            long top = byBudget.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            Scored s = byBudget.get(top).get(1);
            if (s == null || s.evaluation() == null || !s.evaluation().has("cfg_sweep")) {
                continue;
            }
            List<String> keys = scoring.imageKeys();
            // The first attribute (when the dataset has one) and "all" are plotted; every key is tabled.
            List<String> plotted = scoring.imageAttributes().isEmpty() ? List.of("all")
                    : List.of(scoring.imageAttributes().getFirst(), "all");
            Map<String, List<Point>> points = new LinkedHashMap<>();
            plotted.forEach(k -> points.put(k, new ArrayList<>()));
            ArrayNode out = g.putArray(name);
            for (JsonNode p : s.evaluation().get("cfg_sweep")) {
                double w = p.path("guidance").asDouble();
                List<String> row = new ArrayList<>(List.of(name, f(w, 1)));
                ObjectNode n = out.addObject().put("guidance", w);
                for (String k : keys) {
                    row.add(f(p.path(k).asDouble(Double.NaN), 3));
                }
                for (String k : plotted) {
                    points.get(k).add(new Point(w, p.path(k).asDouble(Double.NaN)));
                    n.put(k, p.path(k).asDouble(Double.NaN));
                }
                rows.add(row);
            }
            points.forEach((k, pts) -> series.add(new Series(name + " " + k, pts)));
        }
        b.add(new Paragraph("Classifier-free guidance scale against conditional accuracy, at each variant's largest"
                + " budget, seed 1 (the paper tunes the scale; EVAL.md's PyTorch runs at this scale went from 44.5%"
                + " to 86% accuracy between scales 1 and 5)."));
        List<String> header = new ArrayList<>(List.of("variant", "guidance"));
        header.addAll(scoring.imageKeys());
        b.add(new Table(header, rows, "CFG sweep"));
        if (!series.isEmpty()) {
            b.add(new Chart("transfusion-cfg.png", "conditional accuracy vs guidance scale", new LineChart(
                    "CFG sweep", "guidance scale w", "accuracy", false, series)));
        }
        return new Section("Transfusion: guidance", b);
    }

    private Section samples() {
        List<Block> b = new ArrayList<>();
        List<List<String>> captions = new ArrayList<>();
        for (String name : main()) {
            var byBudget = runs.get(name);
            long top = byBudget.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            Scored s = byBudget.get(top).get(1);
            if (s == null) {
                continue;
            }
            Path grid = s.variant().run().resolve("samples.png");
            if (Files.isRegularFile(grid)) {
                b.add(new Picture(grid, name + " at " + top + " steps, seed 1: one row per held-out prompt"));
            }
            if (s.evaluation() != null) {
                for (JsonNode c : s.evaluation().path("caption_examples")) {
                    captions.add(List.of(name, c.path("caption").asText(), c.path("reference").asText()));
                }
            }
        }
        b.add(new Table(List.of("variant", "generated caption", "one of the references"), captions,
                "Image → caption, held-out images"));
        return new Section("Transfusion: samples", b);
    }

    private Metric metric(String key) {
        return metrics.stream().filter(m -> m.key().equals(key)).findFirst().orElseThrow();
    }

    private static void addVerdict(ArrayNode verdicts, List<List<String>> rows, String claim, Verdict v) {
        rows.add(List.of(claim, v.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' '), v.sentence()));
        verdicts.addObject().put("claim", claim).put("outcome", v.outcome().name()).put("difference", v.difference())
                .put("spread", v.spread()).put("sentence", v.sentence());
    }

    private static double mean(List<Scored> s, ToDoubleFunction<Scored> f) {
        return s.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static SeedStats stats(List<Scored> s, ToDoubleFunction<Scored> f) {
        double[] v = s.stream().mapToDouble(f).toArray();
        if (java.util.Arrays.stream(v).anyMatch(Double::isNaN)) {
            return new SeedStats(v.length, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return SeedStats.of(v);
    }
}
