import ArrayFormats
import Foundation
import Testing
import _TestSupport

@Suite("Staged files: nothing is replaced until all are committed", .tags(.formats))
struct StagedFileTests {
    @Test("Staging never touches the destination; commitAll puts every file in place and leaves no temporary or backup")
    func stageThenCommit() throws {
        let directory = try FixturePaths.temporaryDirectory("staged")
        defer { try? FileManager.default.removeItem(at: directory) }
        let existing = directory.appendingPathComponent("a.txt")
        try AtomicFile.write("old", to: existing)
        let fresh = directory.appendingPathComponent("b.txt")
        let staged = [try StagedFile(Array("new a".utf8), for: existing), try StagedFile(Array("new b".utf8), for: fresh)]
        #expect(try String(contentsOf: existing, encoding: .utf8) == "old")
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
        try StagedFile.commitAll(staged)
        #expect(try String(contentsOf: existing, encoding: .utf8) == "new a")
        #expect(try String(contentsOf: fresh, encoding: .utf8) == "new b")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["a.txt", "b.txt"])
    }

    @Test("A rename failing part-way restores every destination that was replaced and removes the ones that were new")
    func rollBack() throws {
        let directory = try FixturePaths.temporaryDirectory("rollback")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("first.txt")
        let second = directory.appendingPathComponent("second.txt")
        let third = directory.appendingPathComponent("third.txt")
        try AtomicFile.write("first before", to: first)
        try AtomicFile.write("third before", to: third)
        let staged = [
            try StagedFile(Array("first after".utf8), for: first), try StagedFile(Array("second after".utf8), for: second),
            try StagedFile(Array("third after".utf8), for: third),
        ]
        // The third file's bytes vanish before the commit: its rename fails after two succeeded.
        try FileManager.default.removeItem(at: staged[2].temporary)
        #expect(throws: FileWriteError.self) { try StagedFile.commitAll(staged) }
        #expect(try String(contentsOf: first, encoding: .utf8) == "first before")
        #expect(!FileManager.default.fileExists(atPath: second.path))
        #expect(try String(contentsOf: third, encoding: .utf8) == "third before")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["first.txt", "third.txt"])
    }

    @Test("A destination that is a directory is refused when staging, before anything is written")
    func directoryDestination() throws {
        let directory = try FixturePaths.temporaryDirectory("staged-dir")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: FileWriteError(file: directory.path, problem: "is a directory; give a file name")) {
            _ = try StagedFile(Array("x".utf8), for: directory)
        }
    }
}
