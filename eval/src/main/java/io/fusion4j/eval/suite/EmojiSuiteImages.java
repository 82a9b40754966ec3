package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.classify.ClassifierCache;
import io.fusion4j.eval.classify.ClassifierTask;
import io.fusion4j.eval.classify.ImageClassifier;
import io.fusion4j.eval.classify.LabelledImages;
import io.fusion4j.eval.data.fetch.Catalogue;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.images.EmojiImages;
import io.fusion4j.eval.data.images.ImageTextDataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Emoji for the suite, at {@link SuiteScoring#EMOJI}'s side: the held-out emoji (every tenth, none of them seen in
 * training) are prompted by their "an emoji of …" caption, and an image is right when the category classifier puts it
 * in the prompted emoji's category. A caption is right when it names a word of the emoji's name. The held-out split
 * is cut in thirds: real set 0, real set 1, captioned images.
 */
final class EmojiSuiteImages implements SuiteImages {
    /** Words a caption of any emoji may share with a name without saying anything about it. */
    private static final Set<String> FILLER = Set.of("emoji", "the", "and", "with", "of", "an", "a");
    private final ImageTextDataset data;
    private final HeldOutThirds thirds;

    EmojiSuiteImages(ImageTextDataset data) {
        this.data = data;
        this.thirds = new HeldOutThirds(data, "held-out emoji");
    }

    static EmojiSuiteImages fetched(DatasetCache cache) throws IOException {
        Path pkg = cache.packageFolder(Catalogue.builtin().get("emoji"));
        if (!Files.isDirectory(pkg)) {
            throw new UserInputException("--dataset emoji: not in the cache " + cache.root() + "; run 'fusion4j data"
                    + " fetch emoji' first");
        }
        return new EmojiSuiteImages(EmojiImages.read(pkg, SuiteScoring.EMOJI.imageSide()));
    }

    @Override
    public SuiteScoring scoring() {
        return SuiteScoring.EMOJI;
    }

    @Override
    public ImageClassifier classifier(Path cacheDir, Consumer<String> progress) throws IOException {
        return ClassifierCache.load(cacheDir, LabelledImages.categories(data), 3, SuiteScoring.EMOJI.imageSide(), 1,
                progress);
    }

    @Override
    public List<Prompt> prompts(int n) {
        int held = data.size(ImageTextDataset.Split.VALIDATION);
        if (n > held) {
            throw new UserInputException("emoji: the suite asks for " + n + " prompts, but " + held + " emoji are"
                    + " held out");
        }
        List<Prompt> p = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ImageTextDataset.Sample s = thirds.sample(i);
            List<String> c = s.captions();
            p.add(Prompt.labelled(c.size() > 1 ? c.get(1) : c.getFirst(),
                    LabelledImages.classOf(ClassifierTask.EMOJI_CATEGORIES, data, s, i)));
        }
        return p;
    }

    @Override
    public List<Image> real(int set, int n) {
        return thirds.real(set, n);
    }

    @Override
    public List<Captioned> captioned(int n) {
        int from = thirds.captionedFrom(n);
        List<Captioned> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ImageTextDataset.Sample s = thirds.sample(from + i);
            Set<String> name = words(s.captions().getFirst());
            out.add(new Captioned(s.image(), s.captions(), c -> Map.of("name_word",
                    words(c).stream().anyMatch(name::contains))));
        }
        return out;
    }

    /** The content words of a caption or name: lower case, letters only, no filler. */
    static Set<String> words(String text) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z]+")) {
            if (w.length() >= 2 && !FILLER.contains(w)) {
                out.add(w);
            }
        }
        return out;
    }
}
