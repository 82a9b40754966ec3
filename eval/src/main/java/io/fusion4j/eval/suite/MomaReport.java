package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.eval.metrics.FlopsSavings;
import io.fusion4j.eval.metrics.Savings;
import io.fusion4j.eval.metrics.SeedStats;
import io.fusion4j.eval.metrics.Verdict;
import io.fusion4j.eval.models.AuxiliaryRouterFiles;
import io.fusion4j.eval.report.Block;
import io.fusion4j.eval.report.Chart;
import io.fusion4j.eval.report.Heatmap;
import io.fusion4j.eval.report.LineChart;
import io.fusion4j.eval.report.Paragraph;
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
import java.util.Map;

import static io.fusion4j.eval.suite.SuiteReport.f;

/**
 * The MoMa suite's sections (EVAL.md "MoMa experiments"): held-out loss against counted FLOPs (overall, text,
 * image), FLOPs savings η against dense trained 1×, 2× and 4× as long, throughput relative to dense, causal
 * inference with auxiliary routers, and where the routers sent tokens; each comparison beside MoMa's 1.4B figures.
 */
final class MomaReport {
    /** MoMa's FLOPs savings at 1.4B (overall, text, image), Table 2 of the paper. */
    private static final Map<String, double[]> PAPER_ETA = Map.of(
            "moe-8x", new double[]{3.0, 3.0, 2.8},
            "moma-4t4i", new double[]{3.7, 2.6, 5.2},
            "mod-moma-4t4i", new double[]{4.2, 3.4, 5.3});
    /** MoMa's training throughput relative to dense. */
    private static final Map<String, Double> PAPER_THROUGHPUT = Map.of("moe-8x", -0.09, "moma-1t1i", -0.06,
            "moma-4t4i", -0.17, "mod-moma-4t4i", -0.31);
    private static final String[] TERMS = {"lm", "text", "image"};
    /** Layers looked for in the routing metrics. */
    private static final int MAX_LAYERS = 256;
    private static final String[] TERM_NAMES = {"overall", "text", "image"};

    private final SuitePlan plan;
    private final Path out;
    /** Variant name → seed → metrics, in plan order, for runs that logged. */
    private final Map<String, Map<Integer, RunMetrics>> runs = new LinkedHashMap<>();

    MomaReport(SuitePlan plan, Path out) throws IOException {
        this.plan = plan;
        this.out = out;
        for (Variant v : plan.variants()) {
            if (v.suite().equals("moma") && Files.isRegularFile(v.run().resolve(RunMetrics.FILE))) {
                runs.computeIfAbsent(v.name(), k -> new LinkedHashMap<>()).put(v.seed(), RunMetrics.read(v.run()));
            }
        }
    }

    List<Section> sections(ObjectNode summary, ArrayNode verdicts, List<List<String>> verdictRows) throws IOException {
        List<Section> s = new ArrayList<>();
        s.add(losses(summary));
        s.add(savings(summary, verdicts, verdictRows));
        s.add(throughput(summary));
        s.add(causal(summary));
        s.add(routing());
        return s;
    }

    private double[] endValues(String name, String term) {
        Map<Integer, RunMetrics> m = runs.getOrDefault(name, Map.of());
        return m.values().stream().mapToDouble(r -> r.last().term(term)).toArray();
    }

    private Section losses(ObjectNode summary) {
        List<Block> b = new ArrayList<>();
        b.add(new Paragraph("Held-out loss (nats per token) at the end of each run, mean over seeds with the range in"
                + " brackets; FLOPs are the backend's counted training FLOPs (the upcycled run's include its seed's)."
                + " Text and image losses are split by the modality of the target token."));
        List<List<String>> rows = new ArrayList<>();
        ObjectNode table = summary.putObject("losses");
        for (String name : runs.keySet()) {
            List<String> row = new ArrayList<>(List.of(name, Integer.toString(runs.get(name).size()),
                    String.format(java.util.Locale.ROOT, "%.3g", runs.get(name).values().stream()
                            .mapToDouble(r -> r.last().totalFlops()).average().orElse(Double.NaN))));
            ObjectNode n = table.putObject(name);
            for (int t = 0; t < TERMS.length; t++) {
                SeedStats st = SeedStats.of(endValues(name, TERMS[t]));
                row.add(stat(st, 4));
                n.put(TERM_NAMES[t], st.mean()).put(TERM_NAMES[t] + "_min", st.min()).put(TERM_NAMES[t] + "_max",
                        st.max());
            }
            rows.add(row);
        }
        b.add(new Table(List.of("variant", "seeds", "FLOPs", "overall", "text", "image"), rows,
                "MoMa suite: held-out loss at the end of training"));
        for (int t = 0; t < TERMS.length; t++) {
            List<Series> series = new ArrayList<>();
            for (String name : runs.keySet()) {
                series.add(curve(name, TERMS[t]));
            }
            b.add(new Chart("moma-loss-" + TERM_NAMES[t] + ".png", TERM_NAMES[t] + " held-out loss vs counted"
                    + " training FLOPs (band: seed range)", new LineChart("MoMa suite: " + TERM_NAMES[t]
                    + " loss", "training FLOPs (counted)", TERM_NAMES[t] + " loss (nats)", true, series)));
        }
        return new Section("MoMa: loss vs FLOPs", b);
    }

    /** A variant's validation curve: mean over seeds at each validation index, the seed range as the band. */
    private Series curve(String name, String term) {
        List<RunMetrics> seeds = new ArrayList<>(runs.get(name).values());
        int n = seeds.stream().mapToInt(r -> r.validations().size()).min().orElse(0);
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            double[] y = seeds.stream().mapToDouble(r -> r.validations().get(k).term(term)).toArray();
            double x = seeds.stream().mapToDouble(r -> r.validations().get(k).totalFlops()).average().orElse(0);
            if (x <= 0 || java.util.Arrays.stream(y).anyMatch(Double::isNaN)) {
                continue;
            }
            SeedStats st = SeedStats.of(y);
            points.add(seeds.size() > 1 ? new Point(x, st.mean(), st.min(), st.max()) : new Point(x, st.mean()));
        }
        return new Series(name, points);
    }

    private Section savings(ObjectNode summary, ArrayNode verdicts, List<List<String>> verdictRows) {
        List<Block> b = new ArrayList<>();
        b.add(new Paragraph("FLOPs savings η: the FLOPs dense needs to reach a variant's held-out loss (interpolated"
                + " in log-FLOPs between dense's 1×, 2× and 4× end points of the same seed) divided by the variant's"
                + " FLOPs; \"> x\" when the variant beat even dense at 4×, \"< 1\" when it did not beat dense at 1×."
                + " The paper's figures are MoMa's 1.4B-parameter results, at a scale far beyond this one."));
        List<List<String>> rows = new ArrayList<>();
        ObjectNode eta = summary.putObject("eta");
        for (String name : runs.keySet()) {
            if (name.startsWith("dense")) {
                continue;
            }
            List<String> row = new ArrayList<>(List.of(name));
            ObjectNode n = eta.putObject(name);
            for (int t = 0; t < TERMS.length; t++) {
                List<String> perSeed = new ArrayList<>();
                for (var e : runs.get(name).entrySet()) {
                    List<FlopsSavings.Point> dense = new ArrayList<>();
                    for (int m : SuitePlan.DENSE_MULTIPLES) {
                        RunMetrics d = runs.getOrDefault("dense-" + m + "x", Map.of()).get(e.getKey());
                        if (d != null) {
                            dense.add(new FlopsSavings.Point(d.last().totalFlops(), d.last().term(TERMS[t])));
                        }
                    }
                    if (dense.size() < 2) {
                        continue;
                    }
                    Savings s = FlopsSavings.eta(dense, new FlopsSavings.Point(e.getValue().last().totalFlops(),
                            e.getValue().last().term(TERMS[t])));
                    perSeed.add(s.describe());
                }
                String cell = perSeed.isEmpty() ? "–" : String.join(" / ", perSeed);
                row.add(cell);
                n.put(TERM_NAMES[t], cell);
            }
            double[] p = PAPER_ETA.get(name);
            row.add(p == null ? "–" : p[0] + " / " + p[1] + " / " + p[2]);
            rows.add(row);
            // At equal FLOPs: the variant against dense trained for the same steps.
            for (int t = 0; t < TERMS.length; t++) {
                double[] v = endValues(name, TERMS[t]);
                double[] d = endValues("dense-1x", TERMS[t]);
                if (v.length == 0 || d.length == 0) {
                    continue;
                }
                Verdict verdict = Verdict.compare(name + "'s " + TERM_NAMES[t] + " loss", v, d, true, true);
                verdictRows.add(List.of(name + " beats dense at equal FLOPs (" + TERM_NAMES[t] + " loss; paper: yes)",
                        verdict.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
                        verdict.sentence()));
                verdicts.addObject().put("claim", name + " < dense, " + TERM_NAMES[t] + " loss")
                        .put("outcome", verdict.outcome().name()).put("difference", verdict.difference())
                        .put("spread", verdict.spread()).put("sentence", verdict.sentence());
            }
        }
        b.add(new Table(List.of("variant", "η overall (per seed)", "η text", "η image", "paper 1.4B (o / t / i)"), rows,
                "FLOPs savings against dense"));
        return new Section("MoMa: FLOPs savings", b);
    }

    private Section throughput(ObjectNode summary) {
        List<Block> b = new ArrayList<>();
        double dense = mean(runs.getOrDefault("dense-1x", Map.of()).values().stream()
                .mapToDouble(RunMetrics::tokensPerSecond).toArray());
        List<List<String>> rows = new ArrayList<>();
        ObjectNode t = summary.putObject("throughput");
        for (String name : runs.keySet()) {
            if (name.startsWith("dense-") && !name.equals("dense-1x")) {
                continue;
            }
            double tps = mean(runs.get(name).values().stream().mapToDouble(RunMetrics::tokensPerSecond).toArray());
            double rel = tps / dense - 1;
            Double paper = PAPER_THROUGHPUT.get(name);
            rows.add(List.of(name, String.format(java.util.Locale.ROOT, "%,.0f", tps),
                    name.equals("dense-1x") ? "–" : String.format(java.util.Locale.ROOT, "%+.0f%%", 100 * rel),
                    paper == null ? "–" : String.format(java.util.Locale.ROOT, "%+.0f%%", 100 * paper)));
            t.put(name, tps);
        }
        b.add(new Paragraph("Median training tokens per second of each run after its first five steps, on this"
                + " machine in this suite (runs train one after another, so they share the machine's state)."));
        b.add(new Table(List.of("variant", "tokens/s", "vs dense", "paper"), rows, "Training throughput"));
        return new Section("MoMa: throughput", b);
    }

    private Section causal(ObjectNode summary) throws IOException {
        List<Block> b = new ArrayList<>();
        b.add(new Paragraph("Expert choice and MoD choose tokens over the whole batch, which generation cannot see"
                + " (MoMa §3.2). Auxiliary routers (the main model frozen) predict each choice from the token alone;"
                + " held-out loss with the batch's choices vs the auxiliary routers', and how well they agree."));
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> agreement = new ArrayList<>();
        ObjectNode c = summary.putObject("causal");
        for (String name : List.of("moma-4t4i", "mod-moma-4t4i")) {
            Path run = out.resolve("moma").resolve(name + "-s1");
            Path rec = run.resolve(AuxiliaryRouterFiles.RECORD);
            if (!Files.isRegularFile(rec)) {
                rows.add(List.of(name, "not trained", "–", "–"));
                continue;
            }
            JsonNode r = new ObjectMapper().readTree(Files.readString(rec));
            double batch = r.path("validation").path("batch").asDouble();
            double causal = r.path("validation").path("causal").asDouble();
            rows.add(List.of(name, f(batch, 4), f(causal, 4), String.format(java.util.Locale.ROOT, "%+.4f",
                    causal - batch)));
            c.putObject(name).put("batch", batch).put("causal", causal);
            for (JsonNode router : r.path("routers")) {
                double p = 0;
                double q = 0;
                int n = 0;
                for (JsonNode e : router.path("experts")) {
                    p += e.path("precision").asDouble();
                    q += e.path("recall").asDouble();
                    n++;
                }
                agreement.add(List.of(name, router.path("router").asText(), f(p / Math.max(1, n), 3),
                        f(q / Math.max(1, n), 3), f(router.path("bce").asDouble(), 4)));
            }
        }
        b.add(new Table(List.of("run (seed 1)", "loss, batch routing", "loss, auxiliary routers", "difference"), rows,
                "Causal inference"));
        b.add(new Table(List.of("run", "router", "mean precision", "mean recall", "BCE"), agreement,
                "Auxiliary routers against the batch choices, held out (mean over the router's experts)"));
        b.add(new Paragraph("The MoD routing-error sweep (0–2% of depth decisions flipped) is not in this version of"
                + " the suite; the auxiliary routers' own error rate is the recall and precision above."));
        return new Section("MoMa: causal inference", b);
    }

    private Section routing() {
        List<Block> b = new ArrayList<>();
        b.add(new Paragraph("Where expert choice sent tokens in the last validation pass of seed 1: each layer's"
                + " share of assignments per expert (MoMa's text experts come first, then its image experts)."));
        for (String name : List.of("moe-8x", "moma-4t4i", "mod-moma-4t4i")) {
            RunMetrics r = runs.getOrDefault(name, Map.of()).get(1);
            if (r == null) {
                continue;
            }
            Map<String, Double> m = r.last().metrics();
            List<String> layers = new ArrayList<>();
            List<double[]> values = new ArrayList<>();
            int experts = 0;
            for (int l = 0; l < MAX_LAYERS; l++) {
                String prefix = "layers." + l + ".ffn.routing.tokens.";
                if (!m.containsKey(prefix + "0")) {
                    continue; // a layer without a routed feed-forward
                }
                List<Double> row = new ArrayList<>();
                for (int e = 0; m.containsKey(prefix + e); e++) {
                    row.add(m.get(prefix + e));
                }
                double sum = row.stream().mapToDouble(Double::doubleValue).sum();
                values.add(row.stream().mapToDouble(x -> sum > 0 ? x / sum : 0).toArray());
                layers.add("layer " + l);
                experts = Math.max(experts, row.size());
            }
            if (values.isEmpty()) {
                continue;
            }
            List<String> cols = new ArrayList<>();
            for (int e = 0; e < experts; e++) {
                cols.add("expert " + e);
            }
            double[][] grid = new double[values.size()][experts];
            for (int i = 0; i < values.size(); i++) {
                System.arraycopy(values.get(i), 0, grid[i], 0, values.get(i).length);
            }
            b.add(new Chart("moma-routing-" + name + ".png", name + ": share of each layer's assignments per expert",
                    new Heatmap(name + " routing", layers, cols, grid, "share of assignments")));
        }
        return new Section("MoMa: routing", b);
    }

    static String stat(SeedStats s, int digits) {
        return s.n() > 1 ? f(s.mean(), digits) + " [" + f(s.min(), digits) + "–" + f(s.max(), digits) + "]"
                : f(s.mean(), digits);
    }

    static double mean(double[] xs) {
        return java.util.Arrays.stream(xs).average().orElse(Double.NaN);
    }
}
