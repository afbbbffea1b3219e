using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Billing.Migrations
{
    /// <inheritdoc />
    public partial class StaffAuthorizations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "authorization_id",
                table: "account_actions",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "staff_authorizations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    granted_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    granted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revoked_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_staff_authorizations", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_account_actions_authorization_id",
                table: "account_actions",
                column: "authorization_id");

            migrationBuilder.CreateIndex(
                name: "ix_staff_authorizations_account_id_granted_at",
                table: "staff_authorizations",
                columns: new[] { "account_id", "granted_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "staff_authorizations");

            migrationBuilder.DropIndex(
                name: "ix_account_actions_authorization_id",
                table: "account_actions");

            migrationBuilder.DropColumn(
                name: "authorization_id",
                table: "account_actions");
        }
    }
}
