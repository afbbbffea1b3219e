using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Usage.Migrations
{
    /// <inheritdoc />
    public partial class UsageWindowTraceParent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "usage_windows",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "usage_windows");
        }
    }
}
