package io.fusion4j.eval.train;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs the fusion4j CLI in a new JVM, from inside a test JVM. */
final class ChildCli {
    private ChildCli() {
    }

    static List<String> command(String... args) {
        return command(modulePath(), args);
    }

    /** The CLI in a new JVM with {@code modulePath} as its module path (entries as {@link #modulePath()} gives). */
    static List<String> command(List<String> modulePath, String... args) {
        String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The flags of the ./fusion4j launcher: without native access the JVM warns in a block of lines on stderr.
        List<String> cmd = new ArrayList<>(List.of(javaExe, "-Dguice_bytecode_gen_option=DISABLED",
                "--enable-native-access=io.fusion4j.tensor.cpu,io.fusion4j.tensor.cuda", "--add-modules", "com.google.common,org.objectweb.asm", "--module-path",
                String.join(File.pathSeparator, modulePath), "-m", "io.fusion4j.eval/io.fusion4j.eval.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** This test JVM's module path, plus the jars the launcher names with --add-modules. */
    static List<String> modulePath() {
        // Surefire puts jars that no module requires (Guava, ASM, aopalliance for Guice) on the class path; the launcher
        // names them with --add-modules, so the child needs them on its module path.
        List<String> entries = new ArrayList<>(List.of(System.getProperty("jdk.module.path").split(File.pathSeparator)));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (name.matches("(guava|asm|failureaccess|aopalliance)-.*\\.jar")) {
                entries.add(e);
            }
        }
        return entries;
    }
}
