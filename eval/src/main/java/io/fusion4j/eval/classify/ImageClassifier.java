package io.fusion4j.eval.classify;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.io.SafetensorsFile;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.io.TensorEntry;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.train.LossTerm;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.eval.data.DataOrder;
import io.fusion4j.eval.data.shapes.Colour;
import io.fusion4j.eval.data.shapes.GridCell;
import io.fusion4j.eval.data.shapes.ShapeKind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A classifier trained in fusion4j on a dataset's real images: the judge of generated images where no Inception or
 * CLIP exists. For shapes it predicts each image's {@link ShapesTruth}; for digits the digit; for both it gives the
 * penultimate features a Fréchet distance is measured on. Inference is deterministic: the same images in the same
 * order give bit-identical outputs on the same backend. Runs on the backend it was trained or loaded on; not
 * thread-safe. Closing it closes the backend only when it created that backend ({@link ClassifierCache} does).
 */
public final class ImageClassifier implements AutoCloseable {
    /** Images per forward pass: large enough for efficient GEMMs, small enough to keep the arena modest. */
    static final int CHUNK = 64;
    static final String FORMAT = "fusion4j-classifier";
    private final ClassifierNet net;
    private final Backend backend;
    private final boolean ownsBackend;
    private HeldOutAccuracy heldOut;

    /** How to train: optimizer steps, images per step, peak learning rate (cosine to a tenth), and the seed. */
    public record Training(long steps, int batch, double lr, long seed, int heldOutImages) {
        public Training {
            if (steps < 1 || batch < 1 || !(lr > 0) || heldOutImages < 1) {
                throw new IllegalArgumentException("classifier training needs steps, batch and held-out images >= 1"
                        + " and lr > 0, found steps " + steps + ", batch " + batch + ", lr " + lr + ", held-out "
                        + heldOutImages);
            }
        }

        /** The recipe the cache uses: measured to pass the tests' accuracy thresholds with margin. */
        public static Training defaults(ClassifierTask task, long seed) {
            return new Training(task == ClassifierTask.SHAPES ? 600 : 400, 32, 3e-3, seed, 1000);
        }
    }

    private ImageClassifier(ClassifierNet net, Backend backend, boolean ownsBackend, HeldOutAccuracy heldOut) {
        this.net = net;
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.heldOut = heldOut;
    }

    /**
     * Trains a classifier for {@code data}'s task on its training split, then measures it on its held-out split.
     *
     * @param progress receives a line every tenth of the run ("classifier step 60/600 loss 0.412") and the held-out
     *                 accuracies at the end
     */
    public static ImageClassifier train(Backend backend, LabelledImages data, ClassifierConfig config,
                                        Training training, Consumer<String> progress) throws IOException {
        if (config.task() != data.task()) {
            throw new IllegalArgumentException("a " + config.task() + " classifier cannot train on " + data.name()
                    + ", a " + data.task() + " dataset");
        }
        int n = data.size(false);
        if (training.batch() > n) {
            throw new IllegalArgumentException("classifier batch " + training.batch() + " is larger than "
                    + data.name() + "'s " + n + " training images");
        }
        ClassifierNet net = new ClassifierNet(config).allocate(backend, training.seed());
        TrainConfig cfg = new TrainConfig(training.batch(), 1, training.steps(), training.lr(), training.lr() / 10,
                Math.min(50, training.steps() / 10), 0.01f, 1.0, 0.9f, 0.99f, 1e-8f, training.seed(), 1_000_000, 2, 1,
                0, 0);
        long every = Math.max(1, training.steps() / 10);
        progress.accept(String.format(Locale.ROOT, "classifier: training on %s (%,d images of %dx%dx%d), %d steps of"
                + " %d", data.name(), n, config.channels(), config.side(), config.side(), training.steps(),
                training.batch()));
        new Trainer<>(backend, net.parameters(), new ClassifierObjective(net), batches(data, training), List.of(), cfg,
                null, "{}").run(false, e -> {
            if (e instanceof TrainEvent.Step s && (s.step() % every == 0 || s.step() == s.totalSteps())) {
                progress.accept(String.format(Locale.ROOT, "classifier step %d/%d loss %.4f%s", s.step(),
                        s.totalSteps(), s.losses().total(), terms(s.losses().terms())));
            }
        });
        ImageClassifier c = new ImageClassifier(net, backend, false, null);
        c.heldOut = c.evaluate(data, training.heldOutImages());
        progress.accept("classifier held-out: " + c.heldOut);
        return c;
    }

    private static String terms(List<LossTerm> terms) {
        StringBuilder b = new StringBuilder();
        for (LossTerm t : terms) {
            b.append(String.format(Locale.ROOT, " %s %.4f", t.name(), t.value()));
        }
        return terms.size() > 1 ? " (" + b.toString().trim() + ")" : "";
    }

    /** Batches in a permutation of each epoch of the training split drawn from (seed, epoch) ({@link DataOrder}). */
    private static BatchSource<LabelledBatch> batches(LabelledImages data, Training training) {
        return start -> Stream.iterate(new Cursor(start, null, -1, null), c -> c.next(data, training)).skip(1)
                .map(Cursor::batch);
    }

    /** Where the order stands, the permutation of its epoch, and the batch that led there. */
    private record Cursor(DataPosition position, LabelledBatch batch, long epoch, int[] order) {
        Cursor next(LabelledImages data, Training training) {
            int n = data.size(false);
            int b = training.batch();
            int width = data.task().multiLabels();
            DataPosition p = position.index() + b > n ? new DataPosition(position.epoch() + 1, 0) : position;
            int[] perm = epoch == p.epoch() ? order : DataOrder.permutation(training.seed(), p.epoch(), n);
            List<Image> images = new ArrayList<>(b);
            float[] multi = new float[b * width];
            int[] labels = new int[b];
            for (int i = 0; i < b; i++) {
                LabelledImages.Example ex = data.example(false, perm[(int) p.index() + i]);
                images.add(ex.image());
                System.arraycopy(ex.multi(), 0, multi, i * width, width);
                labels[i] = ex.label();
            }
            DataPosition after = new DataPosition(p.epoch(), p.index() + b);
            return new Cursor(after, new LabelledBatch(images, multi, labels, after), p.epoch(), perm);
        }
    }

    public ClassifierConfig config() {
        return net.config();
    }

    /** The accuracies measured on held-out real images after training (kept with a cached classifier). */
    public HeldOutAccuracy heldOutAccuracy() {
        return heldOut;
    }

    /** Per image, the predicted attributes (shapes classifiers only). */
    public Predictions predict(List<Image> images) {
        requireTask(ClassifierTask.SHAPES, "predict");
        Outputs o = run(images);
        int w = ShapesLabels.WIDTH;
        List<Predictions.Prediction> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            out.add(decode(o.multi, i * w, o.classes, i * 3));
        }
        return new Predictions(out);
    }

    /**
     * Per image, the most likely class: the digit for a digit classifier, the category's index in
     * {@code EmojiImages.CATEGORIES} for emoji, the object count − 1 for shapes.
     */
    public int[] labels(List<Image> images) {
        Outputs o = run(images);
        int k = net.config().task().classes();
        int[] out = new int[images.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = argmax(o.classes, i * k, k);
        }
        return out;
    }

    /** Per image, the penultimate activations ({@link ClassifierConfig#features()} of them): for a Fréchet distance. */
    public double[][] features(List<Image> images) {
        Outputs o = run(images);
        int f = net.config().features();
        double[][] out = new double[images.size()][f];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < f; j++) {
                out[i][j] = o.features[i * f + j];
            }
        }
        return out;
    }

    /** Measures this classifier on the first {@code n} held-out images of {@code data} (all when it has fewer). */
    public HeldOutAccuracy evaluate(LabelledImages data, int n) {
        int count = Math.min(n, data.size(true));
        List<Image> images = new ArrayList<>(count);
        List<LabelledImages.Example> examples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            LabelledImages.Example ex = data.example(true, i);
            examples.add(ex);
            images.add(ex.image());
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        if (net.config().task().accuracyKey() != null) {
            int[] got = labels(images);
            int right = 0;
            for (int i = 0; i < count; i++) {
                right += got[i] == examples.get(i).label() ? 1 : 0;
            }
            scores.put(net.config().task().accuracyKey(), right / (double) count);
            return new HeldOutAccuracy(count, scores);
        }
        List<ShapesTruth> want = new ArrayList<>(count);
        for (LabelledImages.Example ex : examples) {
            want.add(decode(ex.multi(), ex.label()));
        }
        List<ShapesTruth> got = predict(images).images().stream().map(Predictions.Prediction::truth).toList();
        scores.put(HeldOutAccuracy.COLOUR_SET, agreement(want, got, ShapesTruth::colours));
        scores.put(HeldOutAccuracy.SHAPE_SET, agreement(want, got, ShapesTruth::shapes));
        scores.put(HeldOutAccuracy.CELL_SET, agreement(want, got, ShapesTruth::cells));
        scores.put(HeldOutAccuracy.COUNT, agreement(want, got, ShapesTruth::count));
        scores.put(HeldOutAccuracy.ALL, agreement(want, got, t -> t));
        scores.put(HeldOutAccuracy.COLOUR_F1, f1(want, got, ShapesTruth::colours));
        scores.put(HeldOutAccuracy.SHAPE_F1, f1(want, got, ShapesTruth::shapes));
        scores.put(HeldOutAccuracy.CELL_F1, f1(want, got, ShapesTruth::cells));
        return new HeldOutAccuracy(count, scores);
    }

    private static double agreement(List<ShapesTruth> want, List<ShapesTruth> got,
                                    java.util.function.Function<ShapesTruth, Object> part) {
        int right = 0;
        for (int i = 0; i < want.size(); i++) {
            right += part.apply(want.get(i)).equals(part.apply(got.get(i))) ? 1 : 0;
        }
        return right / (double) want.size();
    }

    /** Micro-averaged F1 of one set-valued attribute over all images (1 when neither side has any member). */
    private static double f1(List<ShapesTruth> want, List<ShapesTruth> got,
                             java.util.function.Function<ShapesTruth, ? extends java.util.Set<?>> part) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < want.size(); i++) {
            java.util.Set<?> w = part.apply(want.get(i));
            java.util.Set<?> g = part.apply(got.get(i));
            for (Object o : g) {
                if (w.contains(o)) {
                    tp++;
                } else {
                    fp++;
                }
            }
            for (Object o : w) {
                fn += g.contains(o) ? 0 : 1;
            }
        }
        return tp + fp + fn == 0 ? 1 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    private void requireTask(ClassifierTask task, String what) {
        if (net.config().task() != task) {
            throw new IllegalStateException(what + " needs a " + task + " classifier, this one is "
                    + net.config().task());
        }
    }

    /** The host copies of one pass over {@code images}: features and both heads, image after image. */
    private record Outputs(float[] features, float[] multi, float[] classes) {
    }

    private Outputs run(List<Image> images) {
        ClassifierConfig c = net.config();
        int f = c.features();
        int m = c.task().multiLabels();
        int k = c.task().classes();
        float[] features = new float[images.size() * f];
        float[] multi = new float[images.size() * m];
        float[] classes = new float[images.size() * k];
        try (StepArena arena = backend.newArena()) {
            for (int start = 0; start < images.size(); start += CHUNK) {
                List<Image> chunk = images.subList(start, Math.min(images.size(), start + CHUNK));
                Graph g = new Graph(backend, arena, false);
                ClassifierNet.Outputs o = net.forward(g, net.upload(backend, arena, chunk));
                copy(o.features().value(), features, start * f);
                if (m > 0) {
                    copy(o.multi().value(), multi, start * m);
                }
                copy(o.classes().value(), classes, start * k);
                arena.release();
            }
        }
        return new Outputs(features, multi, classes);
    }

    private void copy(io.fusion4j.api.tensor.Tensor t, float[] into, int offset) {
        float[] host = new float[(int) t.numel()];
        backend.copyToHost(t, host);
        System.arraycopy(host, 0, into, offset, host.length);
    }

    /**
     * The attributes one image's logits say: the count is the softmax's argmax; the cells are the {@code count}
     * highest-scoring (objects never share a cell); colours and shapes are those whose sigmoid passes 0.5, at least
     * the top one and at most {@code count} (there are no more kinds than objects).
     */
    private static Predictions.Prediction decode(float[] multi, int at, float[] classes, int classAt) {
        int count = argmax(classes, classAt, 3) + 1;
        EnumSet<Colour> colours = EnumSet.noneOf(Colour.class);
        for (int i : present(multi, at + ShapesLabels.COLOURS, Colour.values().length, count)) {
            colours.add(Colour.values()[i]);
        }
        EnumSet<ShapeKind> shapes = EnumSet.noneOf(ShapeKind.class);
        for (int i : present(multi, at + ShapesLabels.SHAPES, ShapeKind.values().length, count)) {
            shapes.add(ShapeKind.values()[i]);
        }
        EnumSet<GridCell> cells = EnumSet.noneOf(GridCell.class);
        for (int i : top(multi, at + ShapesLabels.CELLS, GridCell.values().length, count)) {
            cells.add(GridCell.values()[i]);
        }
        return new Predictions.Prediction(new ShapesTruth(colours, shapes, cells, count),
                Colour.values()[argmax(multi, at + ShapesLabels.COLOURS, Colour.values().length)],
                ShapeKind.values()[argmax(multi, at + ShapesLabels.SHAPES, ShapeKind.values().length)],
                GridCell.values()[argmax(multi, at + ShapesLabels.CELLS, GridCell.values().length)]);
    }

    /** The truth 0/1 targets and a count class stand for (what the held-out examples carry). */
    private static ShapesTruth decode(float[] targets, int countClass) {
        float[] logits = new float[targets.length];
        for (int i = 0; i < targets.length; i++) {
            logits[i] = targets[i] > 0.5f ? 1f : -1f;
        }
        float[] classes = new float[3];
        classes[countClass] = 1f;
        return decode(logits, 0, classes, 0).truth();
    }

    /** Indices of the logits in {@code [at, at + n)} above 0, the top one at least and the top {@code max} at most. */
    private static List<Integer> present(float[] logits, int at, int n, int max) {
        List<Integer> ranked = top(logits, at, n, n);
        List<Integer> out = new ArrayList<>();
        for (int i : ranked) {
            if (out.isEmpty() || (out.size() < max && logits[at + i] > 0f)) {
                out.add(i);
            }
        }
        return out;
    }

    /** The {@code k} highest of the logits in {@code [at, at + n)}, highest first, ties to the lower index. */
    private static List<Integer> top(float[] logits, int at, int n, int k) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            idx.add(i);
        }
        idx.sort((a, b) -> {
            int c = Float.compare(logits[at + b], logits[at + a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        return idx.subList(0, Math.min(k, n));
    }

    private static int argmax(float[] v, int at, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[at + i] > v[at + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Writes every parameter to {@code file} (F32, metadata {@code format: fusion4j-classifier}). */
    void writeWeights(Path file) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", FORMAT);
        for (Parameters.Parameter p : net.parameters().all().values()) {
            float[] f = new float[(int) p.shape().numel()];
            backend.copyToHost(p.value(), f);
            w.addF32(p.name(), p.shape(), f);
        }
        w.write(file);
    }

    /**
     * The classifier {@code file} holds for {@code config}, on {@code backend}.
     *
     * @param ownsBackend whether {@link #close()} closes {@code backend}
     * @throws SafetensorsException naming the file and tensor when the format, a tensor's name, dtype or shape is not
     *                              what {@code config} needs
     */
    static ImageClassifier readWeights(Path file, ClassifierConfig config, HeldOutAccuracy heldOut, Backend backend,
                                       boolean ownsBackend) throws IOException {
        ClassifierNet net = new ClassifierNet(config).allocate(backend, 0);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (!FORMAT.equals(f.metadata().get("format"))) {
                throw new SafetensorsException(file + ": format " + f.metadata().get("format") + ", expected "
                        + FORMAT);
            }
            Parameters params = net.parameters();
            for (Parameters.Parameter p : params.all().values()) {
                TensorEntry e = f.entries().get(p.name());
                if (e == null || e.dtype() != DType.F32 || !e.shape().equals(p.shape())) {
                    throw new SafetensorsException(file + ": tensor '" + p.name() + "' is "
                            + (e == null ? "missing" : e.dtype() + " " + e.shape()) + ", expected F32 " + p.shape());
                }
                float[] v = new float[(int) p.shape().numel()];
                f.readFloats(p.name(), v);
                backend.copyFromHost(v, p.value());
            }
            if (f.entries().size() != params.all().size()) {
                throw new SafetensorsException(file + ": " + f.entries().size() + " tensors, expected "
                        + params.all().size() + " (" + params.all().keySet() + ")");
            }
        }
        return new ImageClassifier(net, backend, ownsBackend, heldOut);
    }

    /** This classifier, closing its backend when it is closed. */
    ImageClassifier owningBackend() {
        return new ImageClassifier(net, backend, true, heldOut);
    }

    /** Closes the backend when this classifier created it. */
    @Override
    public void close() {
        if (ownsBackend) {
            backend.close();
        }
    }
}
