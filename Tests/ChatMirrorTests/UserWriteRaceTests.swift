import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

/// Issue #18: a user write changes only its own columns, and an admin's disable or demotion always survives.
@Suite struct UserWriteRaceTests {
    /// A password change (two slow bcrypt runs between its read and its write) racing the admin's demote + disable:
    /// before, the change wrote the whole row back and the deputy came back admin and active.
    @Test func passwordChangeRacingDemoteAndDisableKeepsTheAdminsDecision() async throws {
        try await Harness.withApp(configure: { $0.bcryptCost = 11 }) { app in
            let admin = try await app.loginAdmin()
            for round in 1...3 {
                // Set up: a second admin, signed in.
                let (id, deputy) = try await app.makeUser("deputy\(round)", admin: admin)
                _ = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"role":"admin"}"#, session: admin)
                // Act: the deputy changes their password while the admin demotes and disables them.
                async let change = app.request(.put, "/api/me/password",
                                               json: #"{"current_password":"password-deputy\#(round)","new_password":"new-password-1"}"#,
                                               session: deputy)
                let demote = try await app.request(.patch, "/api/admin/users/\(id)", json: #"{"role":"user","status":"disabled"}"#, session: admin)
                let changed = try await change
                // Check: the admin's decision is what is stored, whichever write came last.
                #expect(demote.status == .ok)
                #expect([.noContent, .unauthorized, .forbidden].contains(changed.status), "\(changed.status) \(changed.text)")
                let stored = try await app.request(.get, "/api/admin/users/\(id)", session: admin).json()
                #expect(stored["role"] as? String == "user", "round \(round)")
                #expect(stored["status"] as? String == "disabled", "round \(round)")
            }
        }
    }

    @Test func aDisabledUsersPasswordWriteIsRefusedAndOtherColumnsAreKept() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (id, _) = try await app.makeUser("mallory", admin: admin)
            try await StoreAccess.with(app.config) { db in
                let users = UserRepository(db: db, clock: SystemClock())
                let before = try #require(try await users.find(id: id))
                // A disable lands between the password change's read and its write.
                try await users.update(id: id, UserChanges(role: .admin))
                try await users.update(id: id, UserChanges(status: .disabled))
                #expect(try await users.updatePassword(id: id, hash: "$2b$04$x") == false)
                let after = try #require(try await users.find(id: id))
                #expect(after.passwordHash == before.passwordHash)
                #expect(after.status == "disabled")
                // A display-name write leaves role and status as they are.
                try await users.update(id: id, UserChanges(displayName: "M"))
                let renamed = try #require(try await users.find(id: id))
                #expect(renamed.role == "admin" && renamed.status == "disabled" && renamed.displayName == "M")
            }
        }
    }

    /// An admin demoted while their own request is in flight cannot complete an admin write.
    @Test func aDemotedAdminsInFlightWriteIsRefused() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (deputyId, _) = try await app.makeUser("deputy", admin: admin)
            let (targetId, _) = try await app.makeUser("target", admin: admin)
            _ = try await app.request(.patch, "/api/admin/users/\(deputyId)", json: #"{"role":"admin"}"#, session: admin)
            try await StoreAccess.with(app.config) { db in
                let users = UserRepository(db: db, clock: SystemClock())
                let deputy = try #require(try await users.find(id: deputyId))
                try await users.update(id: deputyId, UserChanges(role: .user))
                await #expect(throws: AppError.self) {
                    try await users.adminUpdate(id: targetId, UserChanges(status: .disabled), by: deputy)
                }
                #expect(try await users.find(id: targetId)?.status == "active")
            }
        }
    }
}
