package io.fusion4j.eval.suite;

import io.fusion4j.api.data.Image;
import io.fusion4j.eval.classify.CaptionAttributes;
import io.fusion4j.eval.classify.ClassifierCache;
import io.fusion4j.eval.classify.ImageClassifier;
import io.fusion4j.eval.classify.Predictions;
import io.fusion4j.eval.classify.ShapesTruth;
import io.fusion4j.eval.data.shapes.ShapeObject;
import io.fusion4j.eval.data.shapes.ShapesWorld;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Shapes for the suite: prompts are the first captions of one-object scenes of the test split, judged on colour,
 * shape and position by the shapes classifier; captions of test scenes are judged on the set of colours and of shapes
 * they name and on the object count.
 */
final class ShapesSuiteImages implements SuiteImages {
    /** Where the two real sets for the Fréchet distance start in the test split (prompts come from 0 up). */
    static final long[] REAL = {5_000, 7_000};
    /** Where captioned images start in the test split. */
    static final long CAPTIONED = 3_000;
    private final ShapesWorld world = ShapesWorld.standard();

    @Override
    public SuiteScoring scoring() {
        return SuiteScoring.SHAPES;
    }

    @Override
    public ImageClassifier classifier(Path cacheDir, Consumer<String> progress) throws IOException {
        return ClassifierCache.load(cacheDir, "shapes", world.size(), 1, progress);
    }

    @Override
    public List<Prompt> prompts(int n) {
        List<Prompt> p = new ArrayList<>();
        for (long i = 0; p.size() < n; i++) {
            var scene = world.scene(ShapesWorld.Split.TEST, i);
            if (scene.objects().size() == 1) {
                ShapeObject o = scene.objects().getFirst();
                p.add(new Prompt(scene.captions().getFirst(), j -> judge(o, j.classifier().predict(j.images()))));
            }
        }
        return p;
    }

    private static List<Map<String, Boolean>> judge(ShapeObject o, Predictions pred) {
        List<Map<String, Boolean>> out = new ArrayList<>();
        for (int i = 0; i < pred.size(); i++) {
            Predictions.Prediction x = pred.get(i);
            boolean c = x.colour() == o.colour();
            boolean s = x.shape() == o.shape();
            boolean g = x.cell() == o.cell();
            Map<String, Boolean> m = new LinkedHashMap<>();
            m.put("colour", c);
            m.put("shape", s);
            m.put("position", g);
            m.put("all", c && s && g);
            out.add(m);
        }
        return out;
    }

    @Override
    public List<Image> real(int set, int n) {
        List<Image> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            images.add(world.sample(ShapesWorld.Split.TEST, REAL[set] + i).image());
        }
        return images;
    }

    @Override
    public List<Captioned> captioned(int n) {
        List<Captioned> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            var sample = world.sample(ShapesWorld.Split.TEST, CAPTIONED + i);
            ShapesTruth truth = ShapesTruth.of(sample.scene());
            out.add(new Captioned(sample.image(), sample.captions(), c -> {
                CaptionAttributes said = CaptionAttributes.parse(c);
                Map<String, Boolean> m = new LinkedHashMap<>();
                m.put("colour_set", said.colours().equals(truth.colours()));
                m.put("shape_set", said.shapes().equals(truth.shapes()));
                m.put("count", said.mentions().size() == truth.count());
                return m;
            }));
        }
        return out;
    }
}
