package io.fusion4j.eval.data;

import io.fusion4j.api.text.ByteBpeTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Text made ready for a token model: the documents of a {@link TextSource} (separated by blank lines), encoded by
 * the run's byte-level BPE tokenizer, each followed by {@value #EOS}. The tokenizer is read from the run folder when
 * it has one, else trained on the text and saved there.
 */
public record TextCorpus(ByteBpeTokenizer tokenizer, int[] tokens, int characters) {
    public static final String EOS = "<|eos|>";
    public static final String TOKENIZER_FILE = "tokenizer.txt";

    /**
     * Encodes {@code text} with {@code tokenizer} when given (a resumed run's, from its checkpoint), else trains a new
     * tokenizer of {@code vocab} tokens on it. Either way {@value #TOKENIZER_FILE} in {@code runDir} is written
     * atomically to match, so a leftover of a failed earlier run is never reused silently.
     *
     * @param log progress messages
     */
    public static TextCorpus prepare(String text, ByteBpeTokenizer tokenizer, Path runDir, int vocab,
                                     Consumer<String> log) throws IOException {
        ByteBpeTokenizer tok = tokenizer;
        if (tok == null) {
            log.accept(String.format("training a %d-token BPE vocabulary on %,d characters...", vocab, text.length()));
            tok = ByteBpeTokenizer.train(text, vocab - 257, List.of(EOS));
        }
        Path tokFile = runDir.resolve(TOKENIZER_FILE);
        if (!Files.exists(tokFile) || !Files.readString(tokFile).equals(tok.text())) {
            tok.save(tokFile);
        }
        int[] tokens = encode(tok, text);
        if (tokens.length == 0) {
            throw new io.fusion4j.api.UserInputException("the training data holds no text (only blank lines)");
        }
        return new TextCorpus(tok, tokens, text.length());
    }

    /** Every non-blank document of {@code text}, encoded, each followed by the end-of-sequence token. */
    public static int[] encode(ByteBpeTokenizer tok, String text) {
        int eos = tok.specialId(EOS);
        List<Integer> ids = new ArrayList<>();
        for (String doc : text.split("\n\n")) {
            if (doc.isBlank()) {
                continue;
            }
            for (int id : tok.encode(doc)) {
                ids.add(id);
            }
            ids.add(eos);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
