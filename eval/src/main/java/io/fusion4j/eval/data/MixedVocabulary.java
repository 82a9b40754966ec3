package io.fusion4j.eval.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Vocabulary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checkpoint's {@code mixed.json}: the vocabulary layout and descriptive settings of the mixed-modal rows the run
 * trains on (the rows file's metadata less the text tokenizer, which the checkpoint keeps in its own file), so a
 * generator knows which ids are image codes and where BOI and EOI are.
 */
public final class MixedVocabulary {
    private MixedVocabulary() {
    }

    /** The JSON for a rows file's metadata. */
    public static String json(Map<String, String> metadata) {
        Map<String, String> m = new TreeMap<>(metadata);
        m.remove(ImageTextRows.TEXT_TOKENIZER);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every entry of a {@code mixed.json}, as strings. */
    public static Map<String, String> settings(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            new ObjectMapper().readTree(Files.readString(file)).properties()
                    .forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        } catch (JacksonException e) {
            throw new UserInputException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        return m;
    }

    /** The vocabulary a {@code mixed.json} describes. */
    public static Vocabulary read(Path file) throws IOException {
        return vocabulary(settings(file), file);
    }

    /** The vocabulary in the {@link #settings} of {@code file}. */
    public static Vocabulary vocabulary(Map<String, String> m, Path file) {
        Vocabulary v = ImageTextRows.vocabulary(m, file.toString());
        if (v == null) {
            throw new UserInputException(file + ": no vocabulary layout (text_vocab, image_offset, image_codes, bos,"
                    + " eos, boi, eoi)");
        }
        return v;
    }
}
