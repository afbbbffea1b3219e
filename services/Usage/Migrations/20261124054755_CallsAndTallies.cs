using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Usage.Migrations
{
    /// <inheritdoc />
    public partial class CallsAndTallies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "calls",
                columns: table => new
                {
                    source_system = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false, collation: "C"),
                    call_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false, collation: "C"),
                    company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    handled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    duration_ms = table.Column<long>(type: "bigint", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_calls", x => new { x.source_system, x.call_id });
                });

            migrationBuilder.CreateTable(
                name: "companies",
                columns: table => new
                {
                    company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_companies", x => x.company_id);
                });

            migrationBuilder.CreateTable(
                name: "members",
                columns: table => new
                {
                    account_kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    is_member = table.Column<bool>(type: "boolean", nullable: false),
                    as_of = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_members", x => new { x.account_kind, x.account_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "organization_companies",
                columns: table => new
                {
                    company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    is_member = table.Column<bool>(type: "boolean", nullable: false),
                    as_of = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_organization_companies", x => new { x.company_id, x.organization_id });
                });

            migrationBuilder.CreateTable(
                name: "usage_windows",
                columns: table => new
                {
                    company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    call_count = table.Column<long>(type: "bigint", nullable: false),
                    published_count = table.Column<long>(type: "bigint", nullable: true),
                    revision = table.Column<int>(type: "integer", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_windows", x => new { x.company_id, x.window_start });
                });

            migrationBuilder.CreateIndex(
                name: "ix_calls_history",
                table: "calls",
                columns: new[] { "company_id", "handled_at", "source_system", "call_id" })
                .Annotation("Npgsql:IndexInclude", new[] { "duration_ms", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_windows_unpublished",
                table: "usage_windows",
                column: "window_start",
                filter: "published_count IS DISTINCT FROM call_count");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "calls");

            migrationBuilder.DropTable(
                name: "companies");

            migrationBuilder.DropTable(
                name: "members");

            migrationBuilder.DropTable(
                name: "organization_companies");

            migrationBuilder.DropTable(
                name: "usage_windows");
        }
    }
}
